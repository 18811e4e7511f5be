package relgate.comprehensions.set_dedup_order

import rego.v1

deny contains sprintf("%v", [{lower(x) | some x in input.items}]) if true

deny contains sprintf("%v", [sort([lower(x) | some x in input.items])]) if true
