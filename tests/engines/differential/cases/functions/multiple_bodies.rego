package relgate.functions.multiple_bodies

import rego.v1

severity_rank("critical") := 4

severity_rank("high") := 3

severity_rank("medium") := 2

severity_rank(s) := 1 if not s in {"critical", "high", "medium"}

deny contains sprintf("%s ranks %d", [f.id, severity_rank(f.severity)]) if {
	some f in input.findings
	severity_rank(f.severity) >= data.config.min_rank
}
