package relgate.regex.is_valid

import rego.v1

deny contains sprintf("invalid pattern %q", [p]) if {
	some p in input.patterns
	not regex.is_valid(p)
}
