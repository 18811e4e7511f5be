package relgate.arrays.sort_mixed

import rego.v1

deny contains sprintf("%v", [sort(input.values)]) if true
