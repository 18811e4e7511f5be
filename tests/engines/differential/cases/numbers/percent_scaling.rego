package relgate.numbers.percent_scaling

import rego.v1

deny contains sprintf("%v", [input.rate * 100]) if true

warn contains "exactly 7" if input.rate * 100 == 7
