# Vulnerability counts per severity, after the allow-list and finding-level waivers.
# Takes part when data.config.vulnerabilities exists:
#   max: {critical: 0, high: 5, ...}   severities not named are unlimited
#   allow_list: ["CVE-..."]            ids that never count
package relgate.vulnerabilities

import rego.v1

cfg := data.config.vulnerabilities

waived_matches contains w.match if {
	some w in data.waivers
	w.policy == "relgate.vulnerabilities"
}

excluded(f) if f.id in object.get(cfg, "allow_list", [])

excluded(f) if f.id in waived_matches

excluded(f) if f.rule in waived_matches

counted contains f if {
	some f in input.vulnerabilities.findings
	not excluded(f)
}

deny contains {
	"msg": "no vulnerability scan evidence: add a sarif, trivy or grype source",
	"id": "vulnerabilities.no_evidence",
	"details": {"expected": "input.vulnerabilities"},
} if {
	cfg
	not input.vulnerabilities
}

deny contains {"msg": msg, "id": "vulnerabilities.max_exceeded", "details": details} if {
	some severity, limit in cfg.max
	ids := {f.id | some f in counted; f.severity == severity}
	count(ids) > limit
	# Engine differences shape this: rego-cpp quotes a concat() result given to
	# sprintf's %s, joins sets in insertion order, and cannot slice sort()'s result.
	head := sprintf("%d %s vulnerabilities exceed the maximum of %d: ", [count(ids), severity, limit])
	msg := concat("", [head, concat(", ", sort(ids))])
	details := {"severity": severity, "count": count(ids), "max": limit, "findings": ids}
}
