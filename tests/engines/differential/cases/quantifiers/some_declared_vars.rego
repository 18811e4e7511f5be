package relgate.quantifiers.some_declared_vars

import rego.v1

deny contains msg if {
	some i
	input.items[i].bad
	msg := sprintf("bad at %d", [i])
}

deny contains msg if {
	some k
	input.map[k] == 0
	msg := sprintf("zero at %s", [k])
}
