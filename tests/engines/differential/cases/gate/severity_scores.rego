package relgate.gate.severity_scores

import rego.v1

deny contains sprintf("%s has CVSS %v (limit %v)", [f.id, f.cvss, data.config.max_cvss]) if {
	some f in input.findings
	f.cvss > data.config.max_cvss
}

warn contains sprintf("average CVSS %.1f", [sum(scores) / count(scores)]) if {
	scores := [f.cvss | some f in input.findings]
	count(scores) > 0
}
