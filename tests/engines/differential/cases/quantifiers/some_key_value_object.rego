package relgate.quantifiers.some_key_value_object

import rego.v1

deny contains sprintf("%s has an empty value", [k]) if {
	some k, v in input.labels
	v == ""
}
