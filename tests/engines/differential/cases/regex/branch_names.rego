package relgate.regex.branch_names

import rego.v1

deny contains sprintf("branch %q does not match %s", [input.ref, data.config.pattern]) if {
	not regex.match(data.config.pattern, input.ref)
}
