package relgate.gate.approvals

import rego.v1

author := lower(input.pull_request.author)

valid_approvals := {lower(a.user) |
	some a in input.approvals
	a.state == "APPROVED"
	not a.stale
	lower(a.user) != author
	a.submitted_at_ns <= input.evaluated_at_ns
	input.evaluated_at_ns - a.submitted_at_ns <= data.config.max_age_hours * 3600000000000
}

deny contains sprintf("%d valid approvals, %d required", [count(valid_approvals), data.config.min]) if {
	count(valid_approvals) < data.config.min
}

deny contains "the pull request author is unknown" if not input.pull_request.author
