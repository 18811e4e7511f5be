package relgate.arrays.negative_index

import rego.v1

deny contains sprintf("%v", [input.list[-1]]) if true

warn contains "negative index undefined" if not input.list[-1]
