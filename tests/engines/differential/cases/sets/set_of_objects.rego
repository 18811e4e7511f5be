package relgate.sets.set_of_objects

import rego.v1

deny contains sprintf("%d distinct", [count(s)]) if {
	s := {x | some x in input.items}
}

warn contains sprintf("%v", [s]) if {
	s := {{"a": x.a} | some x in input.items}
}
