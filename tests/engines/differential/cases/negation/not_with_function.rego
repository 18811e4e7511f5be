package relgate.negation.not_with_function

import rego.v1

blocked(u) if u in data.config.blocked

deny contains sprintf("%s may not approve", [a.user]) if {
	some a in input.approvals
	blocked(a.user)
}

warn contains sprintf("%s ok", [a.user]) if {
	some a in input.approvals
	not blocked(a.user)
}
