package relgate.sprintf.v_big_and_small_floats

import rego.v1

deny contains sprintf("%v", [x]) if {
	some x in input.values
}
