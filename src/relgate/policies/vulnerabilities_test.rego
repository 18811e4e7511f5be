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

# --- categories ---------------------------------------------------------------------------------

categorized(id, severity, category) := {"id": id, "rule": id, "severity": severity, "category": category}

mixed := scan([
	categorized("CVE-1", "critical", "vulnerability"),
	categorized("aws-access-key-id", "critical", "secret"),
	categorized("DS002", "high", "misconfiguration"),
	categorized("KSV001", "high", "misconfiguration"),
])

ids_of(result, rule_id) := {f | some d in result; d.id == rule_id; some f in d.details.findings}

test_every_category_counts_by_default if {
	result := denies(mixed, {"vulnerabilities": {"max": {"critical": 0}}})
	ids_of(result, "vulnerabilities.max_exceeded") == {"CVE-1", "aws-access-key-id"}
}

test_a_finding_without_a_category_is_a_vulnerability if {
	conf := {"vulnerabilities": {"max": {"critical": 0}, "categories": ["vulnerability"]}}
	some d in denies(scan([finding("CVE-9", "critical")]), conf)
	d.details.findings == {"CVE-9"}
}

test_categories_limit_what_counts if {
	conf := {"vulnerabilities": {"max": {"critical": 0, "high": 0}, "categories": ["secret"]}}
	result := denies(mixed, conf)
	ids_of(result, "vulnerabilities.max_exceeded") == {"aws-access-key-id"}
	count(result) == 1
}

test_max_by_category_denies_naming_the_findings if {
	conf := {"vulnerabilities": {"max_by_category": {"misconfiguration": {"high": 1}, "secret": {"critical": 0}}}}
	result := denies(mixed, conf)
	some d in result
	d.id == "vulnerabilities.category_max_exceeded"
	d.details == {"category": "misconfiguration", "severity": "high", "count": 2, "max": 1, "findings": {"DS002", "KSV001"}}
	d.msg == "2 high misconfiguration findings exceed the maximum of 1: DS002, KSV001"
	some s in result
	s.details.category == "secret"
	s.details.findings == {"aws-access-key-id"}
	count(result) == 2
}

test_max_by_category_within_limits_passes if {
	conf := {"vulnerabilities": {"max_by_category": {"misconfiguration": {"high": 2}, "secret": {"critical": 1}}}}
	count(denies(mixed, conf)) == 0
}

test_max_and_max_by_category_both_apply if {
	conf := {"vulnerabilities": {"max": {"critical": 2}, "max_by_category": {"secret": {"critical": 0}}}}
	result := denies(mixed, conf)
	ids_of(result, "vulnerabilities.category_max_exceeded") == {"aws-access-key-id"}
	count(ids_of(result, "vulnerabilities.max_exceeded")) == 0
}

test_a_waived_secret_leaves_the_category_count if {
	waivers := [{"id": "W1", "policy": "relgate.vulnerabilities", "match": "aws-access-key-id"}]
	conf := {"vulnerabilities": {"max_by_category": {"secret": {"critical": 0}}}}
	count(data.relgate.vulnerabilities.deny) == 0 with input as mixed with data.config as conf with data.waivers as waivers
}

# --- settings that cannot be read deny and never loosen -------------------------------------------

problems(conf) := {p | some d in denies(mixed, conf); d.id == "vulnerabilities.invalid_setting"; some p in d.details.problems}

test_a_string_maximum_is_invalid_and_applies_as_zero if {
	conf := {"vulnerabilities": {"max": {"critical": "0"}}}
	"vulnerabilities.max.critical must be a number >= 0" in problems(conf)
	ids_of(denies(mixed, conf), "vulnerabilities.max_exceeded") == {"CVE-1", "aws-access-key-id"}
}

test_a_capitalised_severity_is_invalid if {
	"vulnerabilities.max.Critical: not a severity (one of critical, high, medium, low, unknown)" in problems({"vulnerabilities": {"max": {"Critical": 0}}})
}

test_an_unknown_category_is_invalid_and_everything_counts if {
	conf := {"vulnerabilities": {"max": {"critical": 0}, "categories": ["secrets"]}}
	"vulnerabilities.categories must be a non-empty list of vulnerability, secret, misconfiguration" in problems(conf)
	ids_of(denies(mixed, conf), "vulnerabilities.max_exceeded") == {"CVE-1", "aws-access-key-id"}
}

test_an_empty_category_list_is_invalid if {
	count(problems({"vulnerabilities": {"categories": []}})) == 1
}

test_a_category_limit_for_a_category_that_does_not_count_is_invalid if {
	conf := {"vulnerabilities": {"categories": ["vulnerability"], "max_by_category": {"secret": {"critical": 0}}}}
	"vulnerabilities.max_by_category.secret: secret findings do not count (not in vulnerabilities.categories)" in problems(conf)
}

test_malformed_max_by_category_is_invalid if {
	problems({"vulnerabilities": {"max_by_category": {"secret": 0}}}) == {"vulnerabilities.max_by_category.secret must be a mapping of severity to a maximum"}
	problems({"vulnerabilities": {"max_by_category": {"secret": {"Critical": 0}}}}) == {"vulnerabilities.max_by_category.secret.Critical: not a severity"}
	problems({"vulnerabilities": {"max_by_category": {"secret": {"critical": -1}}}}) == {"vulnerabilities.max_by_category.secret.critical must be a number >= 0"}
	problems({"vulnerabilities": {"max_by_category": {"license": {"critical": 0}}}}) == {"vulnerabilities.max_by_category.license: not a category (one of vulnerability, secret, misconfiguration)"}
	problems({"vulnerabilities": {"max_by_category": []}}) == {"vulnerabilities.max_by_category must be a mapping of category to {severity: maximum}"}
}

test_other_malformed_settings_are_invalid if {
	problems({"vulnerabilities": {"max": [0]}}) == {"vulnerabilities.max must be a mapping of severity to a maximum"}
	problems({"vulnerabilities": {"allow_list": "CVE-1"}}) == {"vulnerabilities.allow_list must be a list of finding ids"}
	problems({"vulnerabilities": "strict"}) == {"vulnerabilities must be a mapping of settings"}
}

test_valid_settings_have_no_problems if {
	conf := {"vulnerabilities": {
		"max": {"critical": 0, "high": 5},
		"categories": ["vulnerability", "secret"],
		"max_by_category": {"secret": {"critical": 0, "high": 0}},
		"allow_list": ["CVE-0"],
	}}
	count(problems(conf)) == 0
}
