package relgate.checks_test

import rego.v1

cfg := {"checks": {"required": ["build", "test"]}}

run(name, status, conclusion) := {"name": name, "status": status, "conclusion": conclusion, "app": "github-actions"}

denies(checks) := result if {
	result := data.relgate.checks.deny with input as {"checks": checks} with data.config as cfg
}

test_section_absent_takes_no_part if {
	count(data.relgate.checks.deny) == 0 with input as {} with data.config as {}
}

test_no_evidence_denies if {
	some d in data.relgate.checks.deny with input as {} with data.config as cfg
	d.id == "checks.no_evidence"
}

test_all_required_green_passes if {
	count(denies([run("build", "completed", "success"), run("test", "completed", "success")])) == 0
}

test_failed_check_denies_with_what_was_seen if {
	some d in denies([run("build", "completed", "success"), run("test", "completed", "failure")])
	d.details == {"check": "test", "required_conclusion": "success",
		"observed": [{"status": "completed", "conclusion": "failure"}]}
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
