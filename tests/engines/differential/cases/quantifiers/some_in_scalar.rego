package relgate.quantifiers.some_in_scalar

import rego.v1

deny contains "found" if {
	some x in input.value
	x == 1
}

warn contains "not found" if not found

found if {
	some x in input.value
	x == 1
}
