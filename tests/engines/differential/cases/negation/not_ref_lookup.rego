package relgate.negation.not_ref_lookup

import rego.v1

deny contains sprintf("%s is not in the allow list", [input.user]) if not data.config.allow[input.user]
