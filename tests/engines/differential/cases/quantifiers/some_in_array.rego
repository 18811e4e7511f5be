package relgate.quantifiers.some_in_array

import rego.v1

deny contains sprintf("%s: %s", [f.id, f.severity]) if {
	some f in input.findings
	f.severity in {"critical", "high"}
}
