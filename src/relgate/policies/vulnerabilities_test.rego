package relgate.vulnerabilities_test

import rego.v1

cfg := {"vulnerabilities": {"max": {"critical": 0, "high": 2}}}

finding(id, severity) := {"id": id, "rule": id, "severity": severity, "tool": "Trivy"}

scan(findings) := {"vulnerabilities": {"findings": findings, "counts": {}}}

denies(inp, conf) := result if {
	result := data.relgate.vulnerabilities.deny with input as inp with data.config as conf with data.waivers as []
}

test_section_absent_takes_no_part if {
	count(data.relgate.vulnerabilities.deny) == 0 with input as {} with data.config as {}
}

test_no_scan_evidence_denies_and_names_the_sources if {
	some d in denies({}, cfg)
	d.id == "vulnerabilities.no_evidence"
	contains(d.msg, "sarif")
}

test_exactly_max_passes if {
	count(denies(scan([finding("CVE-1", "high"), finding("CVE-2", "high")]), cfg)) == 0
}

test_one_over_max_denies_naming_findings if {
	result := denies(scan([finding("CVE-3", "high"), finding("CVE-1", "high"), finding("CVE-2", "high")]), cfg)
	some d in result
	d.id == "vulnerabilities.max_exceeded"
	d.details == {"severity": "high", "count": 3, "max": 2, "findings": {"CVE-1", "CVE-2", "CVE-3"}}
	d.msg == "3 high vulnerabilities exceed the maximum of 2: CVE-1, CVE-2, CVE-3"
}

test_zero_max_denies_a_single_critical if {
	some d in denies(scan([finding("CVE-9", "critical")]), cfg)
	d.details.severity == "critical"
	d.details.max == 0
}

test_severities_without_a_max_are_unlimited if {
	count(denies(scan([finding("CVE-1", "low"), finding("CVE-2", "low"), finding("CVE-3", "medium")]), cfg)) == 0
}

test_allow_list_ids_never_count if {
	conf := {"vulnerabilities": {"max": {"critical": 0}, "allow_list": ["CVE-9"]}}
	count(denies(scan([finding("CVE-9", "critical")]), conf)) == 0
}

test_waived_finding_is_taken_out_of_the_count if {
	waivers := [{"id": "W1", "policy": "relgate.vulnerabilities", "match": "CVE-9"}]
	inp := scan([finding("CVE-9", "critical")])
	count(data.relgate.vulnerabilities.deny) == 0 with input as inp with data.config as cfg with data.waivers as waivers
}

test_waiver_can_name_the_scanner_rule if {
	waivers := [{"id": "W1", "policy": "relgate.vulnerabilities", "match": "py/sql-injection"}]
	inp := scan([{"id": "py/sql-injection", "rule": "py/sql-injection", "severity": "critical"}])
	count(data.relgate.vulnerabilities.deny) == 0 with input as inp with data.config as cfg with data.waivers as waivers
}

test_waiver_for_another_policy_does_not_apply if {
	waivers := [{"id": "W1", "policy": "relgate.tests", "match": "CVE-9"}]
	inp := scan([finding("CVE-9", "critical")])
	count(data.relgate.vulnerabilities.deny) == 1 with input as inp with data.config as cfg with data.waivers as waivers
}

test_waiving_one_finding_leaves_the_others if {
	waivers := [{"id": "W1", "policy": "relgate.vulnerabilities", "match": "CVE-9"}]
	inp := scan([finding("CVE-9", "critical"), finding("CVE-8", "critical")])
	result := data.relgate.vulnerabilities.deny with input as inp with data.config as cfg with data.waivers as waivers
	some d in result
	d.details.findings == {"CVE-8"}
}

test_clean_scan_passes if {
	count(denies(scan([]), cfg)) == 0
}
