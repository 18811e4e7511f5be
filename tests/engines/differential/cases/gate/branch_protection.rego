package relgate.gate.branch_protection

import rego.v1

deny contains sprintf("branch %s: %s", [b.name, problem]) if {
	some b in input.branches
	glob.match("release/*", ["/"], b.name)
	some problem in problems(b)
}

problems(b) := {p |
	some rule, want in data.config.rules
	object.get(b.protection, rule, null) != want
	p := sprintf("%s should be %v", [rule, want])
}
