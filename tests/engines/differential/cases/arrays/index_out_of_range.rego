package relgate.arrays.index_out_of_range

import rego.v1

deny contains sprintf("first %v", [input.list[0]]) if true

deny contains "no third element" if not input.list[2]
