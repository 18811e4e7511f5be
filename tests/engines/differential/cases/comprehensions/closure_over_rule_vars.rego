package relgate.comprehensions.closure_over_rule_vars

import rego.v1

deny contains sprintf("%s has %d findings", [sev, n]) if {
	some sev in {"critical", "high"}
	n := count([f | some f in input.findings; f.severity == sev])
	n > 0
}
