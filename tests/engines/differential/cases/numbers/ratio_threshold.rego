package relgate.numbers.ratio_threshold

import rego.v1

deny contains sprintf("ratio %v below %v", [r, data.config.min]) if {
	r := input.passed / input.total
	r < data.config.min
}
