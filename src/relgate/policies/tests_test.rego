package relgate.tests_test

import rego.v1

cfg := {"tests": {"min_pass_rate": 0.98}}

report(passed, failed, errors, skipped) := {"tests": {
	"total": ((passed + failed) + errors) + skipped, "passed": passed, "failed": failed,
	"errors": errors, "skipped": skipped, "pass_rate": passed / ((passed + failed) + errors),
	"failing": [{"id": "t::x", "suite": "unit", "kind": "failure"}], "suites": [{"name": "unit", "failed": failed, "errors": errors}],
}}

denies(inp, conf) := result if {
	result := data.relgate.tests.deny with input as inp with data.config as conf
}

test_section_absent_takes_no_part if {
	count(data.relgate.tests.deny) == 0 with input as {} with data.config as {}
}

test_no_report_denies_and_names_junit if {
	some d in denies({}, cfg)
	d.id == "tests.no_evidence"
	contains(d.msg, "junit")
}

test_exactly_the_minimum_passes if {
	count(denies(report(98, 2, 0, 0), cfg)) == 0
}

test_below_minimum_denies_with_details if {
	some d in denies(report(97, 2, 1, 5), cfg)
	d.id == "tests.pass_rate"
	d.details.pass_rate == 0.97
	d.details.min_pass_rate == 0.98
	d.details.failed == 2
	d.details.errors == 1
	d.details.failing == ["t::x"]
	d.msg == "test pass rate 97% is below the minimum of 98% (2 failed, 1 errors of 100 run)"
}

test_nothing_ran_denies if {
	inp := {"tests": {"total": 3, "passed": 0, "failed": 0, "errors": 0, "skipped": 3, "pass_rate": null, "failing": []}}
	some d in denies(inp, cfg)
	d.id == "tests.nothing_ran"
	d.details.skipped == 3
}

test_required_suite_with_failures_denies if {
	conf := {"tests": {"required_suites": ["unit"]}}
	some d in denies(report(99, 1, 0, 0), conf)
	d.id == "tests.required_suite_failed"
	d.details.suite == "unit"
	d.details.failing_count == 1
	d.details.failing == ["t::x"]
}

test_clean_required_suite_passes if {
	conf := {"tests": {"required_suites": ["unit"]}}
	count(denies(report(100, 0, 0, 0), conf)) == 0
}

test_missing_required_suite_denies if {
	conf := {"tests": {"required_suites": ["integration"]}}
	some d in denies(report(100, 0, 0, 0), conf)
	d.id == "tests.required_suite_missing"
	d.details.suite == "integration"
}
