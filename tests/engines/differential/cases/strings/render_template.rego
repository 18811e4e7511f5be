package relgate.strings.render_template

import rego.v1

deny contains strings.render_template("{{.svc}} failed {{.n}} checks", {"svc": input.svc, "n": input.n}) if true
