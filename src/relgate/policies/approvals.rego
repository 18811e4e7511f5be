# Reviews: enough fresh approvals, on the head commit, from someone other than the author.
# Takes part when data.config.approvals exists:
#   min: 1                 distinct approvers required
#   max_age_hours: 72      older approvals do not count
#   allow_author: false    whether the PR author's own approval counts (only the boolean true allows it)
#   associations: [OWNER, MEMBER]   when set, only reviewers GitHub reports with one of these count
# Evidence: input.approvals (a GitHub source), else input.change_facts.approvals (a facts file).
# GitHub logins are case-insensitive, so users and authors are compared in lower case.
# An approval counts only when it can be shown to be valid: dated no later than the
# evaluation time, and given by someone known not to be the author.
# A negated call never takes a possibly undefined argument: OPA makes `not f(undefined)`
# undefined (opa#1877) where regorus makes it true.
package relgate.approvals

import rego.v1

cfg := data.config.approvals

# `approvals:` with no value (null) takes part with the defaults.
settings := cfg if is_object(cfg) else := {}

evidence := input.approvals if {
	input.approvals
} else := input.change_facts.approvals

# `some … in` over a string is an error on regorus and nothing on OPA: iterate lists only.
listed(xs) := xs if is_array(xs) else := []

known(name) if {
	is_string(name)
	name != ""
}

named := [name |
	some path in [["pull_request", "author"], ["change_facts", "pull_request", "author"], ["change", "author"]]
	name := object.get(input, path, null)
	known(name)
]

# Every identity the change is attributed to: none of them may approve it.
authors := {lower(name) | some name in named}

author_shown := named[0] if count(named) > 0 else := null

minimum := object.get(settings, "min", 1)

# A min that is not a number can never be met (and approvals.invalid_setting says why).
enough if {
	is_number(minimum)
	count(approvers) >= minimum
}

author_allowed if settings.allow_author == true

now := input.evaluated_at_ns

timed if is_number(now)

user(a) := lower(a.user) if known(a.user)

state(a) := upper(a.state) if is_string(a.state)

# Each approval's problems, as [position in approving, reason] pairs: every rule body runs
# once per approval and evaluation (a function's result is not cached, and calling
# problem(a, p) for each reason ran every definition for every reason).
problem contains [i, "no user"] if {
	some i, a in approving
	not user(a)
}

problem contains [i, "stale: given on an older commit"] if {
	some i, a in approving
	a.stale == true
}

problem contains [i, "self-approval by the author"] if {
	some i, a in approving
	user(a) in authors
	not author_allowed
}

problem contains [i, "author unknown: self-approval cannot be ruled out"] if {
	some i, _ in approving
	count(authors) == 0
	not author_allowed
}

problem contains [i, "no submitted_at"] if {
	some i, a in approving
	not is_number(object.get(a, "submitted_at_ns", null))
}

problem contains [i, "no evaluation time"] if {
	some i, _ in approving
	not timed
}

problem contains [i, "submitted after the evaluation time"] if {
	some i, a in approving
	a.submitted_at_ns > now
}

within_max_age(a) if {
	is_number(settings.max_age_hours)
	now - a.submitted_at_ns <= (settings.max_age_hours * 3600) * 1000000000
}

# A max_age_hours that is not a number makes every approval too old (and approvals.invalid_setting denies).
problem contains [i, "too old"] if {
	"max_age_hours" in object.keys(settings)
	some i, a in approving
	is_number(a.submitted_at_ns)
	not within_max_age(a)
}

# A change request whose time is unknown cannot be shown to be older, so it supersedes.
later_or_undated(b, a) if not is_number(object.get(b, "submitted_at_ns", null))

later_or_undated(b, a) if b.submitted_at_ns > a.submitted_at_ns

problem contains [i, "superseded by a later change request"] if {
	some i, a in approving
	some b in listed(evidence)
	user(b) == user(a)
	state(b) == "CHANGES_REQUESTED"
	later_or_undated(b, a)
}

association(a) := upper(a.association) if is_string(a.association) else := ""

allowed_associations := {upper(x) | some x in listed(settings.associations); is_string(x)}

problem contains [i, "not an owner or member"] if {
	"associations" in object.keys(settings)
	some i, a in approving
	not association(a) in allowed_associations
}

# The set of problems of each approval, in the order of approving.
problems := [{pair[1] | some pair in problem; pair[0] == i} | some i, _ in approving]

shown_user(a) := a.user if is_string(a.user) else := "?"

approving := [a | some a in listed(evidence); state(a) == "APPROVED"]

approvers := {user(approving[i]) | some i, found in problems; count(found) == 0}

# Strings are joined with concat, not sprintf: rego-cpp quotes a concat() result given to %s.
discarded := [concat("", [shown_user(approving[i]), " (", concat(", ", sort(found)), ")"]) |
	some i, found in problems
	count(found) > 0
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
	cfg
	evidence
	not enough
	msg := concat("", [sprintf("%d valid approval(s), %v required", [count(approvers), minimum]), not_counted])
	details := {
		"approvers": sort(approvers), "count": count(approvers), "min": minimum,
		"discarded": sort(discarded), "max_age_hours": object.get(settings, "max_age_hours", null),
		"author": author_shown,
	}
}

invalid contains "approvals must be a mapping of settings" if {
	cfg
	not is_object(cfg)
	not is_null(cfg)
}

invalid contains "approvals.min must be a number" if {
	"min" in object.keys(settings)
	not is_number(settings.min)
}

invalid contains "approvals.max_age_hours must be a positive number" if {
	"max_age_hours" in object.keys(settings)
	not settings.max_age_hours > 0
}

invalid contains "approvals.max_age_hours must be a positive number" if {
	"max_age_hours" in object.keys(settings)
	not is_number(settings.max_age_hours)
}

invalid contains "approvals.allow_author must be true or false" if {
	"allow_author" in object.keys(settings)
	not is_boolean(settings.allow_author)
}

invalid contains "approvals.associations must be a list of strings" if {
	"associations" in object.keys(settings)
	not all_strings(settings.associations)
}

all_strings(xs) if {
	is_array(xs)
	count([x | some x in xs; not is_string(x)]) == 0
}

deny contains {"msg": msg, "id": "approvals.invalid_setting", "details": {"problems": sorted}} if {
	count(invalid) > 0
	sorted := sort(invalid)
	msg := concat("", ["invalid approvals settings: ", concat("; ", sorted)])
}
