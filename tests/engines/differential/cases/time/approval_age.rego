package relgate.time.approval_age

import rego.v1

deny contains sprintf("approval by %s is %d hours old", [a.user, hours]) if {
	some a in input.approvals
	age := input.evaluated_at_ns - time.parse_rfc3339_ns(a.submitted_at)
	hours := floor(age / (3600 * 1000000000))
	hours > data.config.max_age_hours
}

deny contains sprintf("approval by %s is from the future", [a.user]) if {
	some a in input.approvals
	time.parse_rfc3339_ns(a.submitted_at) > input.evaluated_at_ns
}
