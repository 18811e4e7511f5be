package relgate.comprehensions.nested

import rego.v1

products := [row | some x in input.a; row := [p | some y in input.b; p := x * y]]

deny contains sprintf("%v", [products]) if true
