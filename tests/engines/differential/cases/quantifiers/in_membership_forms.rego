package relgate.quantifiers.in_membership_forms

import rego.v1

deny contains sprintf("%v", [[1 in input.a, "k" in input.o, 0, "k" in input.o, 2 in input.s]]) if true

warn contains sprintf("%v", [[1, 1 in input.a]]) if true

warn contains sprintf("%v", [["a", 1 in input.o]]) if true
