package relgate.approvals_test

import rego.v1

now := 1800000000000000000

hour := 3600000000000

cfg := {"approvals": {"min": 1, "max_age_hours": 72}}

review(user, state, hours_ago) := {
	"user": user, "state": state, "submitted_at_ns": now - (hours_ago * hour), "stale": false, "commit": "abc",
}

change(reviews) := {"evaluated_at_ns": now, "approvals": reviews, "pull_request": {"author": "dana"}}

denies(inp, conf) := result if {
	result := data.relgate.approvals.deny with input as inp with data.config as conf
}

test_section_absent_takes_no_part if {
	count(data.relgate.approvals.deny) == 0 with input as {} with data.config as {}
}

test_no_evidence_denies_and_names_the_sources if {
	some d in denies({"evaluated_at_ns": now}, cfg)
	d.id == "approvals.no_evidence"
	contains(d.msg, "github")
}

test_one_fresh_approval_passes if {
	count(denies(change([review("lee", "APPROVED", 2)]), cfg)) == 0
}

test_empty_review_list_denies if {
	some d in denies(change([]), cfg)
	d.id == "approvals.count"
	d.details.count == 0
	d.details.min == 1
}

test_author_cannot_approve_own_change if {
	some d in denies(change([review("dana", "APPROVED", 1)]), cfg)
	d.id == "approvals.count"
	d.details.discarded == ["dana (self-approval by the author)"]
	d.msg == "0 valid approval(s), 1 required (not counted: dana (self-approval by the author))"
}

test_author_approval_counts_when_allowed if {
	conf := {"approvals": {"min": 1, "allow_author": true}}
	count(denies(change([review("dana", "APPROVED", 1)]), conf)) == 0
}

test_stale_approval_does_not_count if {
	stale := object.union(review("lee", "APPROVED", 1), {"stale": true})
	some d in denies(change([stale]), cfg)
	d.details.discarded == ["lee (stale: given on an older commit)"]
}

test_approval_at_exactly_max_age_counts if {
	count(denies(change([review("lee", "APPROVED", 72)]), cfg)) == 0
}

test_approval_older_than_max_age_does_not_count if {
	some d in denies(change([review("lee", "APPROVED", 73)]), cfg)
	d.details.discarded == ["lee (too old)"]
	d.details.max_age_hours == 72
}

test_later_change_request_supersedes_approval if {
	some d in denies(change([review("lee", "APPROVED", 5), review("lee", "CHANGES_REQUESTED", 1)]), cfg)
	d.details.discarded == ["lee (superseded by a later change request)"]
}

test_two_required_needs_two_distinct_people if {
	conf := {"approvals": {"min": 2}}
	some d in denies(change([review("lee", "APPROVED", 1), review("lee", "APPROVED", 2)]), conf)
	d.details.approvers == ["lee"]
	d.details.min == 2
}

test_facts_file_evidence_is_used_when_no_github_source if {
	inp := {"evaluated_at_ns": now, "change_facts": {
		"approvals": [review("lee", "APPROVED", 1), review("dana", "APPROVED", 1)],
		"pull_request": {"author": "dana"},
	}}
	count(denies(inp, cfg)) == 0
}

test_facts_file_author_is_excluded if {
	inp := {"evaluated_at_ns": now, "change_facts": {
		"approvals": [review("dana", "APPROVED", 1)],
		"pull_request": {"author": "dana"},
	}}
	some d in denies(inp, cfg)
	d.details.author == "dana"
}

test_association_filter_drops_outside_reviewers if {
	conf := {"approvals": {"min": 1, "associations": ["OWNER", "MEMBER"]}}
	outsider := object.union(review("lee", "APPROVED", 1), {"association": "CONTRIBUTOR"})
	some d in denies(change([outsider]), conf)
	d.details.discarded == ["lee (not an owner or member)"]
}

test_association_filter_keeps_members if {
	conf := {"approvals": {"min": 1, "associations": ["OWNER", "MEMBER"]}}
	member := object.union(review("lee", "APPROVED", 1), {"association": "MEMBER"})
	count(denies(change([member]), conf)) == 0
}
