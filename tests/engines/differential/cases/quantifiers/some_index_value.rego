package relgate.quantifiers.some_index_value

import rego.v1

deny contains sprintf("item %d is empty", [i]) if {
	some i, v in input.items
	v == ""
}
