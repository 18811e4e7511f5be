# Findings per severity, and per category, after the allow-list and finding-level waivers.
# Takes part when data.config.vulnerabilities exists:
#   max: {critical: 0, high: 5, ...}     severities not named are unlimited
#   categories: [vulnerability, secret, misconfiguration]
#                                        which findings count (default: all three)
#   max_by_category: {secret: {critical: 0, high: 0}, misconfiguration: {critical: 0}}
#                                        a maximum per category and severity, on top of `max`
#   allow_list: ["CVE-..."]              ids that never count
# A finding without a category is a vulnerability. A setting that cannot be read denies
# (vulnerabilities.invalid_setting) and never loosens the rule: counting falls back to
# every category.
package relgate.vulnerabilities

import rego.v1

cfg := data.config.vulnerabilities

settings := cfg if is_object(cfg)

else := {}

severities := ["critical", "high", "medium", "low", "unknown"]

known_categories := ["vulnerability", "secret", "misconfiguration"]

waived_matches contains w.match if {
	some w in data.waivers
	w.policy == "relgate.vulnerabilities"
}

allow_list := settings.allow_list if strings(settings.allow_list)

else := []

# Ids that never count. Both hold only strings, so a finding without an id or rule
# (looked up as null) is never excluded.
excluded_ids := {id | some id in allow_list} | waived_matches

category_of(f) := object.get(f, "category", "vulnerability")

valid_categories if {
	is_array(settings.categories)
	count(settings.categories) > 0
	count([c | some c in settings.categories; not c in known_categories]) == 0
}

counted_categories := settings.categories if valid_categories

else := known_categories

# Inline lookups, not helper functions: in regorus a call per finding cost more than the rest together.
counted contains f if {
	some f in input.vulnerabilities.findings
	object.get(f, "category", "vulnerability") in counted_categories
	not object.get(f, "id", null) in excluded_ids
	not object.get(f, "rule", null) in waived_matches
}

deny contains {
	"msg": "no vulnerability scan evidence: add a sarif, trivy or grype source",
	"id": "vulnerabilities.no_evidence",
	"details": {"expected": "input.vulnerabilities"},
} if {
	cfg
	not input.vulnerabilities
}

# A limit that is not a non-negative number applies as 0 (and invalid_setting says why).
limit_of(value) := value if {
	is_number(value)
	value >= 0
}

else := 0

deny contains {"msg": msg, "id": "vulnerabilities.max_exceeded", "details": details} if {
	is_object(settings.max)
	some severity, value in settings.max
	limit := limit_of(value)
	ids := {f.id | some f in counted; f.severity == severity}
	count(ids) > limit
	# Engine differences shape this: rego-cpp quotes a concat() result given to
	# sprintf's %s, joins sets in insertion order, and cannot slice sort()'s result.
	head := sprintf("%d %s vulnerabilities exceed the maximum of %d: ", [count(ids), severity, limit])
	msg := concat("", [head, concat(", ", sort(ids))])
	details := {"severity": severity, "count": count(ids), "max": limit, "findings": ids}
}

deny contains {"msg": msg, "id": "vulnerabilities.category_max_exceeded", "details": details} if {
	is_object(settings.max_by_category)
	some category, limits in settings.max_by_category
	is_object(limits)
	some severity, value in limits
	limit := limit_of(value)
	ids := {f.id | some f in counted; category_of(f) == category; f.severity == severity}
	count(ids) > limit
	head := sprintf("%d %s %s findings exceed the maximum of %d: ", [count(ids), severity, category, limit])
	msg := concat("", [head, concat(", ", sort(ids))])
	details := {"category": category, "severity": severity, "count": count(ids), "max": limit, "findings": ids}
}

strings(xs) if {
	is_array(xs)
	count([x | some x in xs; not is_string(x)]) == 0
}

# --- settings that cannot be read -------------------------------------------------------------

invalid contains "vulnerabilities must be a mapping of settings" if {
	cfg
	not is_object(cfg)
}

invalid contains "vulnerabilities.max must be a mapping of severity to a maximum" if {
	"max" in object.keys(settings)
	not is_object(settings.max)
}

invalid contains sprintf("vulnerabilities.max.%s: not a severity (one of %s)", [key, concat(", ", severities)]) if {
	is_object(settings.max)
	some key, _ in settings.max
	not key in severities
}

invalid contains sprintf("vulnerabilities.max.%s must be a number >= 0", [key]) if {
	is_object(settings.max)
	some key, value in settings.max
	not limit_of(value) == value
}

invalid contains msg if {
	"categories" in object.keys(settings)
	not valid_categories
	msg := sprintf("vulnerabilities.categories must be a non-empty list of %s", [concat(", ", known_categories)])
}

invalid contains "vulnerabilities.max_by_category must be a mapping of category to {severity: maximum}" if {
	"max_by_category" in object.keys(settings)
	not is_object(settings.max_by_category)
}

invalid contains msg if {
	is_object(settings.max_by_category)
	some category, _ in settings.max_by_category
	not category in known_categories
	msg := sprintf("vulnerabilities.max_by_category.%s: not a category (one of %s)", [category, concat(", ", known_categories)])
}

invalid contains msg if {
	is_object(settings.max_by_category)
	some category, _ in settings.max_by_category
	category in known_categories
	not category in counted_categories
	msg := sprintf("vulnerabilities.max_by_category.%s: %s findings do not count (not in vulnerabilities.categories)", [category, category])
}

invalid contains sprintf("vulnerabilities.max_by_category.%s must be a mapping of severity to a maximum", [category]) if {
	is_object(settings.max_by_category)
	some category, limits in settings.max_by_category
	not is_object(limits)
}

invalid contains sprintf("vulnerabilities.max_by_category.%s.%s: not a severity", [category, key]) if {
	is_object(settings.max_by_category)
	some category, limits in settings.max_by_category
	is_object(limits)
	some key, _ in limits
	not key in severities
}

invalid contains sprintf("vulnerabilities.max_by_category.%s.%s must be a number >= 0", [category, key]) if {
	is_object(settings.max_by_category)
	some category, limits in settings.max_by_category
	is_object(limits)
	some key, value in limits
	not limit_of(value) == value
}

invalid contains "vulnerabilities.allow_list must be a list of finding ids" if {
	"allow_list" in object.keys(settings)
	not strings(settings.allow_list)
}

deny contains {"msg": msg, "id": "vulnerabilities.invalid_setting", "details": {"problems": sorted}} if {
	cfg
	count(invalid) > 0
	sorted := sort(invalid)
	msg := concat("", ["invalid vulnerabilities settings: ", concat("; ", sorted)])
}
