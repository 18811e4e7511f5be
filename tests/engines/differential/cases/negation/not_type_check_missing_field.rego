package relgate.negation.not_type_check_missing_field

import rego.v1

problem(a, "no timestamp") if not is_number(a.submitted_at_ns)

deny contains sprintf("approval by %s: %s", [a.user, p]) if {
	some a in input.approvals
	some p in ["no timestamp"]
	problem(a, p)
}
