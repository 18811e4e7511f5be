package relgate.sets.union_from_arrays

import rego.v1

a := {x | some x in input.a}

b := {x | some x in input.b}

deny contains sprintf("%v", [union({a, b})]) if true

warn contains sprintf("%v", [(a | b)]) if true

warn contains sprintf("%v", [[a | b]]) if true
