package relgate.strings.unicode_case

import rego.v1

deny contains sprintf("%v", [[lower(s), upper(s)]]) if {
	some s in input.values
}
