package relgate.numbers.to_number_big

import rego.v1

deny contains sprintf("%v", [to_number(input.s) + 1]) if true
