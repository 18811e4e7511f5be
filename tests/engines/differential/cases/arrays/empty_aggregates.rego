package relgate.arrays.empty_aggregates

import rego.v1

deny contains sprintf("sum %v product %v", [sum(input.n), product(input.n)]) if true

warn contains "max of empty is undefined" if not max(input.n)
