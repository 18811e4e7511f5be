package relgate.numbers.big_arith

import rego.v1

deny contains sprintf("%d %d %d", [input.a + 1, input.a - 2, input.a * 2]) if true

warn contains sprintf("%v", [input.a + 1 == 9007199254740994]) if true
