package relgate.functions.boolean_function

import rego.v1

is_fresh(a) if {
	a.age_hours <= data.config.max_age_hours
	not a.stale
}

deny contains "no fresh approval" if {
	count([a | some a in input.approvals; is_fresh(a)]) == 0
}
