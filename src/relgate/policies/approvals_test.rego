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

ids(denied) := {d.id | some d in denied}

test_approval_submitted_after_the_evaluation_time_does_not_count if {
	future := object.union(review("lee", "APPROVED", 0), {"submitted_at_ns": now + 1})
	some d in denies(change([future]), cfg)
	d.details.discarded == ["lee (submitted after the evaluation time)"]
}

test_approval_at_the_evaluation_time_counts if {
	count(denies(change([review("lee", "APPROVED", 0)]), cfg)) == 0
}

test_author_check_ignores_case if {
	some d in denies(change([review("Dana", "APPROVED", 1)]), cfg)
	d.details.discarded == ["Dana (self-approval by the author)"]
}

test_author_written_in_capitals_is_still_the_author if {
	inp := object.union(change([review("dana", "APPROVED", 1)]), {"pull_request": {"author": "DANA"}})
	some d in denies(inp, cfg)
	d.id == "approvals.count"
	d.details.author == "DANA"
}

test_allow_author_as_the_string_false_never_lets_the_author_approve if {
	conf := {"approvals": {"min": 1, "allow_author": "false"}}
	denied := denies(change([review("dana", "APPROVED", 1)]), conf)
	ids(denied) == {"approvals.count", "approvals.invalid_setting"}
}

test_allow_author_as_the_string_true_does_not_allow_either if {
	conf := {"approvals": {"min": 1, "allow_author": "true"}}
	some d in denies(change([review("dana", "APPROVED", 1)]), conf)
	d.id == "approvals.count"
	d.details.discarded == ["dana (self-approval by the author)"]
}

test_unknown_author_with_no_reviews_denies if {
	some d in denies({"evaluated_at_ns": now, "approvals": []}, cfg)
	d.id == "approvals.count"
	d.details.count == 0
	d.details.author == null
}

test_unknown_author_means_no_approval_can_be_shown_not_to_be_self_approval if {
	some d in denies({"evaluated_at_ns": now, "approvals": [review("lee", "APPROVED", 1)]}, cfg)
	d.details.discarded == ["lee (author unknown: self-approval cannot be ruled out)"]
}

test_empty_author_is_unknown if {
	inp := object.union(change([review("lee", "APPROVED", 1)]), {"pull_request": {"author": ""}})
	some d in denies(inp, cfg)
	d.id == "approvals.count"
}

test_malformed_pull_request_leaves_the_author_unknown if {
	inp := object.union(change([review("lee", "APPROVED", 1)]), {"pull_request": "dana"})
	some d in denies(inp, cfg)
	d.id == "approvals.count"
}

test_unknown_author_is_fine_when_author_approval_is_allowed if {
	conf := {"approvals": {"min": 1, "allow_author": true}}
	count(denies({"evaluated_at_ns": now, "approvals": [review("lee", "APPROVED", 1)]}, conf)) == 0
}

test_commit_author_from_the_change_cannot_approve_either if {
	inp := object.union(change([review("kim", "APPROVED", 1)]), {"change": {"author": "Kim"}})
	some d in denies(inp, cfg)
	d.details.discarded == ["kim (self-approval by the author)"]
}

test_one_person_in_two_spellings_is_one_approver if {
	conf := {"approvals": {"min": 2}}
	some d in denies(change([review("lee", "APPROVED", 1), review("LEE", "APPROVED", 2)]), conf)
	d.details.approvers == ["lee"]
}

test_change_request_in_lower_case_still_supersedes if {
	some d in denies(change([review("lee", "APPROVED", 5), review("Lee", "changes_requested", 1)]), cfg)
	d.details.discarded == ["lee (superseded by a later change request)"]
}

test_undated_change_request_supersedes if {
	undated := object.remove(review("lee", "CHANGES_REQUESTED", 0), ["submitted_at_ns"])
	some d in denies(change([review("lee", "APPROVED", 5), undated]), cfg)
	d.details.discarded == ["lee (superseded by a later change request)"]
}

test_undated_approval_does_not_count_even_without_max_age if {
	undated := object.remove(review("lee", "APPROVED", 0), ["submitted_at_ns"])
	some d in denies(change([undated]), {"approvals": {"min": 1}})
	d.details.discarded == ["lee (no submitted_at)"]
}

test_no_evaluation_time_means_no_approval_counts if {
	inp := object.remove(change([review("lee", "APPROVED", 1)]), ["evaluated_at_ns"])
	some d in denies(inp, {"approvals": {"min": 1}})
	d.details.discarded == ["lee (no evaluation time)"]
}

test_max_age_as_a_string_counts_nothing_and_says_why if {
	conf := {"approvals": {"min": 1, "max_age_hours": "72"}}
	denied := denies(change([review("lee", "APPROVED", 1)]), conf)
	ids(denied) == {"approvals.count", "approvals.invalid_setting"}
	some d in denied
	d.id == "approvals.invalid_setting"
	d.details.problems == ["approvals.max_age_hours must be a positive number"]
}

test_min_that_is_not_a_number_can_never_be_met if {
	every min in ["1", null, true] {
		conf := {"approvals": {"min": min}}
		denied := denies(change([review("lee", "APPROVED", 1), review("kim", "APPROVED", 1)]), conf)
		ids(denied) == {"approvals.count", "approvals.invalid_setting"}
		invalid := [d | some d in denied; d.id == "approvals.invalid_setting"]
		invalid[0].details.problems == ["approvals.min must be a number"]
	}
}

test_section_without_settings_takes_part_with_defaults if {
	some d in denies(change([]), {"approvals": null})
	d.id == "approvals.count"
	d.details.min == 1
}

test_association_names_ignore_case if {
	conf := {"approvals": {"min": 1, "associations": ["member"]}}
	member := object.union(review("lee", "APPROVED", 1), {"association": "MEMBER"})
	count(denies(change([member]), conf)) == 0
}

test_approval_without_a_user_does_not_count if {
	anonymous := object.remove(review("lee", "APPROVED", 1), ["user"])
	some d in denies(change([anonymous]), cfg)
	d.details.discarded == ["? (no user)"]
}

invalid_problems(conf) := {p | some d in denies(change([review("lee", "APPROVED", 1)]), conf)
	d.id == "approvals.invalid_setting"
	some p in d.details.problems
}

test_settings_of_the_wrong_shape_are_named if {
	invalid_problems({"approvals": true}) == {"approvals must be a mapping of settings"}
	invalid_problems({"approvals": {"max_age_hours": 0}}) == {"approvals.max_age_hours must be a positive number"}
	invalid_problems({"approvals": {"max_age_hours": -5}}) == {"approvals.max_age_hours must be a positive number"}
	invalid_problems({"approvals": {"associations": "MEMBER"}}) == {"approvals.associations must be a list of strings"}
	invalid_problems({"approvals": {"associations": ["MEMBER", 1]}}) == {
		"approvals.associations must be a list of strings",
	}
}

test_approvals_that_are_not_a_list_count_nothing if {
	some d in denies(object.union(change([]), {"approvals": "lee"}), cfg)
	d.id == "approvals.count"
	d.details.count == 0
}
