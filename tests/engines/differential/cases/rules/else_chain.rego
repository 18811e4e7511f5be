package relgate.rules.else_chain

import rego.v1

severity_level := 4 if {
	input.severity == "critical"
} else := 3 if {
	input.severity == "high"
} else := 2 if {
	input.severity == "medium"
} else := 1

deny contains sprintf("%s scores %d", [input.severity, severity_level]) if severity_level >= 3

warn contains sprintf("%s scores %d", [input.severity, severity_level]) if severity_level < 3
