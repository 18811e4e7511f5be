package relgate.numbers.big_set_dedup

import rego.v1

deny contains sprintf("%d distinct", [count({x | some x in input.ids})]) if true
