package relgate.rules.multi_value_contains_object

import rego.v1

deny contains {"msg": sprintf("%s too old", [a.user]), "id": "approvals.stale", "details": {"user": a.user, "age": a.age}} if {
	some a in input.approvals
	a.age > 72
}
