package relgate.numbers.range_step

import rego.v1

deny contains sprintf("%v", [[numbers.range(1, 5), numbers.range(5, 1), numbers.range_step(0, 10, 3)]]) if true
