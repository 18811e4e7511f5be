package relgate.arrays.count_sum_max

import rego.v1

deny contains sprintf("count %d sum %v max %v min %v product %v", [count(input.n), sum(input.n), max(input.n), min(input.n), product(input.n)]) if true
