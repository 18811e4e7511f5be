package relgate.arrays.concat_slice

import rego.v1

deny contains sprintf("%v", [array.concat(input.a, input.b)]) if true

deny contains sprintf("%v", [array.slice(input.a, 1, 10)]) if true

deny contains sprintf("%v", [array.slice(input.a, 2, 1)]) if true

deny contains sprintf("%v", [array.reverse(input.a)]) if true
