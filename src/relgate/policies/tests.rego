# Test results: enough tests ran, few enough were skipped, the pass rate, and named suites.
# Takes part when data.config.tests exists:
#   min_pass_rate: 0.98          passed / (passed + failed + errors); skipped left out
#   min_executed: 1              tests that must have run (passed, failed or errored); default 1,
#                                so an empty or all-skipped report never passes
#   max_skipped_ratio: 0.2       skipped / total at most; default 0.5, so a skip storm
#                                (1 passed + 500 skipped) never passes
#   required_suites: ["integration"]
# A setting that cannot be read denies (tests.invalid_setting) and never loosens the rule.
package relgate.tests

import rego.v1

cfg := data.config.tests

settings := cfg if is_object(cfg)

else := {}

percent(x) := round(x * 10000) / 100

executed := (input.tests.passed + input.tests.failed) + input.tests.errors

# The default of 1 is the one bound relgate can set for every team: "nothing ran" is never a
# pass. A team that knows its suite sets the real floor (a suite silently dropped shows there).
min_executed := settings.min_executed if count_setting(settings.min_executed)

else := 1

count_setting(x) if {
	is_number(x)
	x >= 0
	floor(x) == x
}

ratio_setting(x) if {
	is_number(x)
	x >= 0
	x <= 1
}

deny contains {
	"msg": "no test report evidence: add a junit source",
	"id": "tests.no_evidence",
	"details": {"expected": "input.tests"},
} if {
	cfg
	not input.tests
}

deny contains {
	"msg": "the test reports contain no executed test (all skipped or empty)",
	"id": "tests.nothing_ran",
	"details": {"total": input.tests.total, "skipped": input.tests.skipped, "min_executed": min_executed},
} if {
	cfg
	executed == 0
	min_executed > 0
}

deny contains {"msg": msg, "id": "tests.min_executed", "details": details} if {
	cfg
	executed > 0
	executed < min_executed
	msg := sprintf("only %d test(s) ran, below the minimum of %d (%d skipped)", [executed, min_executed, input.tests.skipped])
	details := {"executed": executed, "min_executed": min_executed, "skipped": input.tests.skipped, "total": input.tests.total}
}

# Without a setting, more skipped than executed is refused: a suite that mostly did not run
# proves little, and a team that skips on purpose says so with its own ratio (up to 1).
max_skipped_ratio := settings.max_skipped_ratio if ratio_setting(settings.max_skipped_ratio)

else := 0.5

deny contains {"msg": msg, "id": "tests.skipped_ratio", "details": details} if {
	cfg
	input.tests.total > 0
	ratio := input.tests.skipped / input.tests.total
	ratio > max_skipped_ratio
	msg := sprintf("%d of %d tests were skipped (%v%%), over the maximum of %v%%", [
		input.tests.skipped, input.tests.total, percent(ratio), percent(max_skipped_ratio),
	])
	details := {"skipped": input.tests.skipped, "total": input.tests.total, "skipped_ratio": ratio, "max_skipped_ratio": max_skipped_ratio}
}

deny contains {"msg": msg, "id": "tests.pass_rate", "details": details} if {
	minimum := settings.min_pass_rate
	ratio_setting(minimum) # otherwise tests.invalid_setting denies
	rate := input.tests.pass_rate
	is_number(rate)
	rate < minimum
	ran := (input.tests.passed + input.tests.failed) + input.tests.errors
	msg := sprintf("test pass rate %v%% is below the minimum of %v%% (%d failed, %d errors of %d run)", [
		percent(rate), percent(minimum), input.tests.failed, input.tests.errors, ran,
	])
	failing := [t.id | some t in input.tests.failing]
	details := {
		"pass_rate": rate, "min_pass_rate": minimum, "passed": input.tests.passed,
		"failed": input.tests.failed, "errors": input.tests.errors, "failing": failing,
	}
}

required_suites := settings.required_suites if suite_names(settings.required_suites)

else := []

suite_present(name) if {
	some suite in input.tests.suites
	suite.name == name
}

deny contains {"msg": msg, "id": "tests.required_suite_failed", "details": details} if {
	some name in required_suites
	suite_present(name)
	bad := sum([(suite.failed + suite.errors) | some suite in input.tests.suites; suite.name == name])
	bad > 0
	failing := [t.id | some t in input.tests.failing; t.suite == name]
	msg := sprintf("required suite %s has %d failing test(s)", [name, bad])
	details := {"suite": name, "failing_count": bad, "allowed": 0, "failing": failing}
}

deny contains {"msg": msg, "id": "tests.required_suite_missing", "details": {"suite": name}} if {
	some name in required_suites
	input.tests
	not suite_present(name)
	msg := sprintf("required suite %s is not in the test reports", [name])
}

# --- settings that cannot be read -------------------------------------------------------------

invalid contains "tests must be a mapping of settings" if {
	cfg
	not is_object(cfg)
}

invalid contains "tests.min_pass_rate must be a number from 0 to 1" if {
	"min_pass_rate" in object.keys(settings)
	not ratio_setting(settings.min_pass_rate)
}

invalid contains "tests.min_executed must be a whole number >= 0" if {
	"min_executed" in object.keys(settings)
	not count_setting(settings.min_executed)
}

invalid contains "tests.max_skipped_ratio must be a number from 0 to 1" if {
	"max_skipped_ratio" in object.keys(settings)
	not ratio_setting(settings.max_skipped_ratio)
}

invalid contains "tests.required_suites must be a list of suite names" if {
	"required_suites" in object.keys(settings)
	not suite_names(settings.required_suites)
}

suite_names(xs) if {
	is_array(xs)
	count([x | some x in xs; not is_string(x)]) == 0
}

deny contains {"msg": msg, "id": "tests.invalid_setting", "details": {"problems": sorted}} if {
	cfg
	count(invalid) > 0
	sorted := sort(invalid)
	msg := concat("", ["invalid tests settings: ", concat("; ", sorted)])
}
