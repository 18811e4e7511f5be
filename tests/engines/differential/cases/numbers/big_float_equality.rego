package relgate.numbers.big_float_equality

import rego.v1

deny contains sprintf("%v", [[input.a == input.b, input.a < input.b]]) if true
