package relgate.arrays.flatten

import rego.v1

deny contains sprintf("%v", [array.flatten(input.nested)]) if true
