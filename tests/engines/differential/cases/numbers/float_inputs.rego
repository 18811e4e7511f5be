package relgate.numbers.float_inputs

import rego.v1

deny contains sprintf("%v", [[x, x + 0]]) if {
	some x in input.values
}
