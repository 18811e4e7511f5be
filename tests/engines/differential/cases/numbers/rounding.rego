package relgate.numbers.rounding

import rego.v1

deny contains sprintf("%v", [[round(x), ceil(x), floor(x), abs(x)]]) if {
	some x in input.values
}
