package relgate.gate.tests_pass_rate

import rego.v1

deny contains sprintf("test pass rate %.2f%% is below the minimum of %.2f%%", [rate * 100, min * 100]) if {
	rate := input.tests.passed / input.tests.total
	min := object.get(data.config, ["tests", "min_pass_rate"], 1)
	rate < min
}

deny contains "no tests ran" if input.tests.total == 0

deny contains sprintf("%d tests failed: %s", [count(input.tests.failing), concat(", ", input.tests.failing)]) if count(input.tests.failing) > 0
