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

# --- how many ran, how many were skipped ----------------------------------------------------------

counts(passed, failed, errors, skipped) := {"tests": {
	"total": ((passed + failed) + errors) + skipped, "passed": passed, "failed": failed,
	"errors": errors, "skipped": skipped, "pass_rate": rate(passed, (passed + failed) + errors),
	"failing": [], "suites": [],
}}

rate(passed, ran) := passed / ran if ran > 0

else := null

ids(result) := {d.id | some d in result}

test_an_empty_report_denies_by_default if {
	ids(denies(counts(0, 0, 0, 0), {"tests": {}})) == {"tests.nothing_ran"}
}

test_an_all_skipped_report_denies_by_default if {
	some d in denies(counts(0, 0, 0, 500), {"tests": {}})
	d.id == "tests.nothing_ran"
	d.details == {"total": 500, "skipped": 500, "min_executed": 1}
}

test_min_executed_zero_accepts_nothing_ran if {
	count(denies(counts(0, 0, 0, 0), {"tests": {"min_executed": 0}})) == 0
	count(denies(counts(0, 0, 0, 5), {"tests": {"min_executed": 0, "max_skipped_ratio": 1}})) == 0
}

test_min_executed_zero_still_refuses_an_all_skipped_report_by_default if {
	ids(denies(counts(0, 0, 0, 5), {"tests": {"min_executed": 0}})) == {"tests.skipped_ratio"}
}

test_fewer_executed_than_the_minimum_denies if {
	some d in denies(counts(3, 1, 0, 10), {"tests": {"min_executed": 100}})
	d.id == "tests.min_executed"
	d.details == {"executed": 4, "min_executed": 100, "skipped": 10, "total": 14}
	d.msg == "only 4 test(s) ran, below the minimum of 100 (10 skipped)"
}

test_exactly_the_minimum_executed_passes if {
	count(denies(counts(99, 1, 0, 0), {"tests": {"min_executed": 100}})) == 0
}

test_one_passed_and_500_skipped_denies_by_default if {
	conf := {"tests": {"min_pass_rate": 0.98}}
	some d in denies(counts(1, 0, 0, 500), conf)
	d.id == "tests.skipped_ratio"
	d.details == {"skipped": 500, "total": 501, "skipped_ratio": 500 / 501, "max_skipped_ratio": 0.5}
}

test_half_skipped_passes_by_default if {
	count(denies(counts(5, 0, 0, 5), {"tests": {}})) == 0
}

test_mostly_skipped_passes_when_the_team_allows_it if {
	count(denies(counts(1, 0, 0, 500), {"tests": {"max_skipped_ratio": 1}})) == 0
}

test_one_passed_and_500_skipped_denies_with_max_skipped_ratio if {
	conf := {"tests": {"max_skipped_ratio": 0.2}}
	some d in denies(counts(1, 0, 0, 500), conf)
	d.id == "tests.skipped_ratio"
	d.details.skipped == 500
	d.details.max_skipped_ratio == 0.2
	d.msg == "500 of 501 tests were skipped (99.8%), over the maximum of 20%"
}

test_skipped_ratio_at_the_maximum_passes if {
	count(denies(counts(8, 0, 0, 2), {"tests": {"max_skipped_ratio": 0.2}})) == 0
}

test_a_few_skipped_pass if {
	count(denies(counts(90, 0, 0, 10), {"tests": {}})) == 0
}

# --- settings that cannot be read -------------------------------------------------------------

test_unreadable_settings_deny_and_never_loosen if {
	problems := {p |
		some d in denies(counts(10, 0, 0, 0), {"tests": {"min_executed": "100", "max_skipped_ratio": 2, "min_pass_rate": "0.9", "required_suites": "unit"}})
		d.id == "tests.invalid_setting"
		some p in d.details.problems
	}
	problems == {
		"tests.min_executed must be a whole number >= 0",
		"tests.max_skipped_ratio must be a number from 0 to 1",
		"tests.min_pass_rate must be a number from 0 to 1",
		"tests.required_suites must be a list of suite names",
	}
}

test_fractional_min_executed_is_invalid if {
	"tests.invalid_setting" in ids(denies(counts(10, 0, 0, 0), {"tests": {"min_executed": 1.5}}))
}

test_valid_settings_have_no_problems if {
	conf := {"tests": {"min_pass_rate": 0.9, "min_executed": 5, "max_skipped_ratio": 0.5, "required_suites": []}}
	count(denies(counts(10, 0, 0, 1), conf)) == 0
}

test_a_section_that_is_not_a_mapping_is_invalid if {
	some d in denies(counts(10, 0, 0, 0), {"tests": "strict"})
	d.id == "tests.invalid_setting"
	d.details.problems == ["tests must be a mapping of settings"]
}
