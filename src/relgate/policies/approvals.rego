# Reviews: enough fresh approvals, on the head commit, from someone other than the author.
# Takes part when data.config.approvals exists:
#   min: 1                 distinct approvers required
#   max_age_hours: 72      older approvals do not count
#   allow_author: false    whether the PR author's own approval counts
#   associations: [OWNER, MEMBER]   when set, only reviewers GitHub reports with one of these count
# Evidence: input.approvals (a GitHub source), else input.change_facts.approvals (a facts file).
package relgate.approvals

import rego.v1

cfg := data.config.approvals

evidence := input.approvals if {
	input.approvals
} else := input.change_facts.approvals

author := input.pull_request.author if {
	input.pull_request.author
} else := input.change_facts.pull_request.author if {
	input.change_facts.pull_request.author
} else := input.change.author

minimum := object.get(cfg, "min", 1)

submitted(a) := object.get(a, "submitted_at_ns", 0)

problem(a, "stale: given on an older commit") if a.stale == true

problem(a, "self-approval by the author") if {
	a.user == author
	not object.get(cfg, "allow_author", false)
}

problem(a, "too old") if {
	is_number(a.submitted_at_ns)
	input.evaluated_at_ns - a.submitted_at_ns > (cfg.max_age_hours * 3600) * 1000000000
}

problem(a, "no submitted_at") if {
	cfg.max_age_hours
	not is_number(a.submitted_at_ns)
}

problem(a, "superseded by a later change request") if {
	some b in evidence
	b.user == a.user
	b.state == "CHANGES_REQUESTED"
	submitted(b) > submitted(a)
}

problem(a, "not an owner or member") if {
	allowed := cfg.associations
	not object.get(a, "association", "") in allowed
}

problems(a) := {p | some p in [
	"stale: given on an older commit", "self-approval by the author", "too old",
	"no submitted_at", "superseded by a later change request", "not an owner or member",
]; problem(a, p)}

approvers := {a.user | some a in evidence; a.state == "APPROVED"; count(problems(a)) == 0}

# Strings are joined with concat, not sprintf: rego-cpp quotes a concat() result given to %s.
discarded := [concat("", [a.user, " (", concat(", ", sort(problems(a))), ")"]) |
	some a in evidence
	a.state == "APPROVED"
	count(problems(a)) > 0
]

deny contains {
	"msg": "no approval evidence: add a github source, or a file source providing approvals",
	"id": "approvals.no_evidence",
	"details": {"expected": "input.approvals or input.change_facts.approvals"},
} if {
	cfg
	not evidence
}

not_counted := "" if {
	count(discarded) == 0
} else := concat("", [" (not counted: ", concat("; ", sort(discarded)), ")"])

deny contains {"msg": msg, "id": "approvals.count", "details": details} if {
	evidence
	count(approvers) < minimum
	msg := concat("", [sprintf("%d valid approval(s), %d required", [count(approvers), minimum]), not_counted])
	details := {
		"approvers": sort(approvers), "count": count(approvers), "min": minimum,
		"discarded": sort(discarded), "max_age_hours": object.get(cfg, "max_age_hours", null),
		"author": object.get({"a": author}, "a", null),
	}
}
