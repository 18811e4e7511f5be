package relgate.numbers.is_type

import rego.v1

deny contains sprintf("%v", [[is_number(x), is_string(x), is_boolean(x), is_array(x), is_object(x), is_set(x), is_null(x), type_name(x)]]) if {
	some x in input.values
}
