package relgate.functions.function_returning_object

import rego.v1

finding(id, sev) := {"id": id, "severity": sev, "blocking": sev in {"critical", "high"}}

deny contains sprintf("%v", [finding(f.id, f.severity)]) if {
	some f in input.findings
	finding(f.id, f.severity).blocking
}
