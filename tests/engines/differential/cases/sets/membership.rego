package relgate.sets.membership

import rego.v1

deny contains sprintf("%s is blocked", [u]) if {
	blocked := {"mallory", "eve"}
	some u in input.users
	blocked[u]
}

warn contains sprintf("%s is blocked (in)", [u]) if {
	some u in input.users
	u in {"mallory", "eve"}
}
