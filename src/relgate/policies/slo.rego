# SLOs: do not ship into a spent error budget or a fast burn.
# Takes part when data.config.slo exists:
#   min_error_budget: 0        deny below this fraction of budget left
#   allow_no_data: ["name"]    SLOs whose missing data only warns
# Evidence: input.slos (the prometheus source).
# An SLO counts as healthy only when its entry says so in full: status "ok", a numeric
# error budget and boolean burn alerts. Any other entry has no usable data.
package relgate.slo

import rego.v1

cfg := data.config.slo

settings := cfg if is_object(cfg) else := {}

min_budget := object.get(settings, "min_error_budget", 0)

slos := input.slos if is_array(input.slos) else := []

summary(s) := {
	"slo": object.get(s, "name", null), "objective": object.get(s, "objective", null),
	"window": object.get(s, "window", null), "sli": object.get(s, "sli", null),
	"error_budget_remaining": object.get(s, "error_budget_remaining", null),
	"burn_rates": object.get(s, "burn_rates", {}), "thresholds": object.get(s, "thresholds", {}),
	"min_error_budget": min_budget,
}

name(s) := object.get(s, "name", "?")

usable(s) if {
	s.status == "ok"
	is_number(s.error_budget_remaining)
	is_boolean(s.alerts.page)
	is_boolean(s.alerts.ticket)
}

no_data_allowed(s) if s.name in object.get(settings, "allow_no_data", [])

# A minimum that is not a number cannot be met (and slo.invalid_setting says why).
budget_ok(s) if {
	is_number(min_budget)
	s.error_budget_remaining >= min_budget
}

rate(s, window) := sprintf("%v", [round(s.burn_rates[window] * 10) / 10]) if {
	is_number(s.burn_rates[window])
} else := "?"

deny contains {
	"msg": "no SLO evidence: add a prometheus source with slos",
	"id": "slo.no_evidence",
	"details": {"expected": "input.slos"},
} if {
	cfg
	count(slos) == 0
}

deny contains {"msg": msg, "id": "slo.error_budget", "details": summary(s)} if {
	cfg
	some s in slos
	usable(s)
	not budget_ok(s)
	msg := sprintf("SLO %v has %v%% of its error budget left, below the minimum of %v%%", [
		name(s), round(s.error_budget_remaining * 10000) / 100, percent(min_budget),
	])
}

percent(x) := round(x * 10000) / 100 if is_number(x) else := x

deny contains {"msg": msg, "id": "slo.page_burn", "details": summary(s)} if {
	cfg
	some s in slos
	usable(s)
	s.alerts.page == true
	msg := sprintf("SLO %v is burning its error budget at page level (1h %v×, 5m %v×)", [
		name(s), rate(s, "1h"), rate(s, "5m"),
	])
}

warn contains {"msg": msg, "id": "slo.ticket_burn", "details": summary(s)} if {
	cfg
	some s in slos
	usable(s)
	s.alerts.ticket == true
	s.alerts.page == false
	msg := sprintf("SLO %v is burning its error budget at ticket level (1d %v×, 3d %v×)", [
		name(s), rate(s, "1d"), rate(s, "3d"),
	])
}

no_data_finding(s) := {"msg": msg, "id": "slo.no_data", "details": summary(s)} if {
	msg := sprintf("SLO %v has no data (status %v; no series, too few events in %v, or an incomplete entry)", [
		name(s), object.get(s, "status", null), object.get(s, "window", "?"),
	])
}

deny contains no_data_finding(s) if {
	cfg
	some s in slos
	not usable(s)
	not no_data_allowed(s)
}

warn contains no_data_finding(s) if {
	cfg
	some s in slos
	not usable(s)
	no_data_allowed(s)
}

invalid contains "slo must be a mapping of settings" if {
	cfg
	not is_object(cfg)
	not is_null(cfg)
}

invalid contains "slo.min_error_budget must be a number" if {
	not is_number(min_budget)
}

invalid contains "slo.allow_no_data must be a list of SLO names" if {
	"allow_no_data" in object.keys(settings)
	not names(settings.allow_no_data)
}

names(xs) if {
	is_array(xs)
	count([x | some x in xs; not is_string(x)]) == 0
}

deny contains {"msg": msg, "id": "slo.invalid_setting", "details": {"problems": sorted}} if {
	cfg
	count(invalid) > 0
	sorted := sort(invalid)
	msg := concat("", ["invalid slo settings: ", concat("; ", sorted)])
}
