package relgate.quantifiers.some_in_set

import rego.v1

deny contains sprintf("blocked user %s", [u]) if {
	users := {x | some x in input.users}
	some u in users
	u in data.config.blocked
}
