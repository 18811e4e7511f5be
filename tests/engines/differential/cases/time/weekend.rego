package relgate.time.weekend

import rego.v1

deny contains sprintf("no deploys on %s", [day]) if {
	day := time.weekday(input.evaluated_at_ns)
	day in {"Saturday", "Sunday"}
}
