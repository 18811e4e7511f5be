package relgate.functions.conflicting_outputs

import rego.v1

f(x) := "small" if x < 10

f(x) := "big" if x > 5

deny contains f(input.n) if true
