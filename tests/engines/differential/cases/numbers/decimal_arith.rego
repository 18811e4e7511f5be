package relgate.numbers.decimal_arith

import rego.v1

deny contains sprintf("%v", [input.a + input.b]) if true

warn contains "sums to 0.3" if input.a + input.b == 0.3
