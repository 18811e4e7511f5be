package relgate.functions.multiple_args_and_undefined

import rego.v1

between(x, lo, hi) if {
	x >= lo
	x <= hi
}

deny contains sprintf("%v out of range", [input.v]) if not between(input.v, data.config.lo, data.config.hi)
