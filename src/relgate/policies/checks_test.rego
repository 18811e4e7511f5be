package relgate.checks_test

import rego.v1

cfg := {"checks": {"required": ["build", "test"]}}

run(name, status, conclusion) := {"name": name, "status": status, "conclusion": conclusion, "app": "github-actions"}

# A run as the github source reports it: completed_at and its *_ns twin.
at(check, ns) := object.union(check, {"completed_at": "t", "completed_at_ns": ns})

status(name, conclusion) := {"name": name, "status": "completed", "conclusion": conclusion, "app": "commit-status"}

denies(checks) := result if {
	result := data.relgate.checks.deny with input as {"checks": checks} with data.config as cfg
}

ids(denied) := {d.id | some d in denied}

denied_checks(checks) := {d.details.check | some d in denies(checks); d.id == "checks.required"}

test_section_absent_takes_no_part if {
	count(data.relgate.checks.deny) == 0 with input as {} with data.config as {}
}

test_no_evidence_denies if {
	some d in data.relgate.checks.deny with input as {} with data.config as cfg
	d.id == "checks.no_evidence"
}

test_checks_that_are_not_a_list_are_no_evidence if {
	some d in data.relgate.checks.deny with input as {"checks": {"build": "success"}} with data.config as cfg
	d.id == "checks.no_evidence"
}

test_all_required_green_passes if {
	count(denies([run("build", "completed", "success"), run("test", "completed", "success")])) == 0
}

test_failed_check_denies_with_what_was_seen if {
	some d in denies([run("build", "completed", "success"), run("test", "completed", "failure")])
	d.details == {"check": "test", "required_conclusion": "success", "observed": [
		{"app": "github-actions", "status": "completed", "conclusion": "failure", "completed_at": null},
	]}
	d.msg == "required check test has not succeeded (1 run(s) seen)"
}

test_missing_check_denies if {
	some d in denies([run("build", "completed", "success")])
	d.details.check == "test"
	d.details.observed == []
}

test_running_check_denies if {
	some d in denies([run("build", "in_progress", null), run("test", "completed", "success")])
	d.details.check == "build"
}

test_failed_check_run_and_successful_status_of_the_same_name_deny if {
	checks := [run("build", "completed", "success"), run("test", "completed", "failure"), status("test", "success")]
	denied_checks(checks) == {"test"}
}

test_successful_check_run_and_failed_status_of_the_same_name_deny if {
	checks := [run("build", "completed", "success"), run("test", "completed", "success"), status("test", "failure")]
	denied_checks(checks) == {"test"}
}

test_passing_rerun_replaces_an_earlier_failure if {
	checks := [
		run("build", "completed", "success"),
		at(run("test", "completed", "failure"), 100), at(run("test", "completed", "success"), 200),
	]
	count(denies(checks)) == 0
}

test_failing_rerun_replaces_an_earlier_success if {
	checks := [
		run("build", "completed", "success"),
		at(run("test", "completed", "success"), 100), at(run("test", "completed", "failure"), 200),
	]
	denied_checks(checks) == {"test"}
}

test_rerun_still_in_progress_denies if {
	checks := [
		run("build", "completed", "success"),
		at(run("test", "completed", "success"), 100), run("test", "in_progress", null),
	]
	denied_checks(checks) == {"test"}
}

test_undated_runs_must_all_have_succeeded if {
	checks := [run("build", "completed", "success"), run("test", "completed", "failure"), run("test", "completed", "success")]
	denied_checks(checks) == {"test"}
}

test_latest_run_of_another_app_does_not_hide_a_failure if {
	other := object.union(at(run("test", "completed", "success"), 300), {"app": "other-ci"})
	checks := [run("build", "completed", "success"), at(run("test", "completed", "failure"), 200), other]
	denied_checks(checks) == {"test"}
}

test_two_runs_completed_at_the_same_time_must_both_succeed if {
	checks := [
		run("build", "completed", "success"),
		at(run("test", "completed", "failure"), 200), at(run("test", "completed", "success"), 200),
	]
	denied_checks(checks) == {"test"}
}

test_success_conclusion_on_an_unfinished_run_does_not_count if {
	denied_checks([run("build", "queued", "success"), run("test", "completed", "success")]) == {"build"}
}

test_neutral_and_skipped_do_not_count_as_success if {
	every conclusion in ["neutral", "skipped", "cancelled", "SUCCESS"] {
		denied_checks([run("build", "completed", conclusion), run("test", "completed", "success")]) == {"build"}
	}
}

test_required_as_a_single_name_still_applies_and_is_reported if {
	denied := data.relgate.checks.deny with input as {"checks": [run("build", "completed", "failure")]}
		with data.config as {"checks": {"required": "build"}}
	ids(denied) == {"checks.required", "checks.invalid_setting"}
}

test_section_without_required_denies_as_invalid if {
	every conf in [{"checks": {}}, {"checks": null}, {"checks": {"required": [1]}}, {"checks": "build"}] {
		denied := data.relgate.checks.deny with input as {"checks": [run("build", "completed", "success")]}
			with data.config as conf
		"checks.invalid_setting" in ids(denied)
	}
}

test_explicitly_empty_required_list_requires_nothing if {
	count(data.relgate.checks.deny) == 0 with input as {"checks": []} with data.config as {"checks": {"required": []}}
}

test_checks_given_as_text_are_no_evidence if {
	ids(data.relgate.checks.deny) == {"checks.no_evidence"} with input as {"checks": "build: success"}
		with data.config as cfg
}
