# Test results: minimum pass rate, and named suites that must be clean.
# Takes part when data.config.tests exists:
#   min_pass_rate: 0.98          passed / (passed + failed + errors); skipped left out
#   required_suites: ["integration"]
package relgate.tests

import rego.v1

cfg := data.config.tests

percent(x) := round(x * 10000) / 100
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
	"details": {"total": input.tests.total, "skipped": input.tests.skipped},
} if {
	cfg
	input.tests.pass_rate == null
}

deny contains {"msg": msg, "id": "tests.pass_rate", "details": details} if {
	minimum := cfg.min_pass_rate
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

suite_present(name) if {
	some suite in input.tests.suites
	suite.name == name
}

deny contains {"msg": msg, "id": "tests.required_suite_failed", "details": details} if {
	some name in cfg.required_suites
	suite_present(name)
	bad := sum([(suite.failed + suite.errors) | some suite in input.tests.suites; suite.name == name])
	bad > 0
	failing := [t.id | some t in input.tests.failing; t.suite == name]
	msg := sprintf("required suite %s has %d failing test(s)", [name, bad])
	details := {"suite": name, "failing_count": bad, "allowed": 0, "failing": failing}
}

deny contains {"msg": msg, "id": "tests.required_suite_missing", "details": {"suite": name}} if {
	some name in cfg.required_suites
	input.tests
	not suite_present(name)
	msg := sprintf("required suite %s is not in the test reports", [name])
}
