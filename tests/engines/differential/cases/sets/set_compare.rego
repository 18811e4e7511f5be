package relgate.sets.set_compare

import rego.v1

deny contains "same set" if {x | some x in input.a} == {x | some x in input.b}

warn contains "arrays differ" if input.a != input.b
