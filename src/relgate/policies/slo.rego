# SLOs: do not ship into a spent error budget or a fast burn.
# Takes part when data.config.slo exists:
#   min_error_budget: 0        deny below this fraction of budget left
#   allow_no_data: ["name"]    SLOs whose missing data only warns
# Evidence: input.slos (the prometheus source).
package relgate.slo

import rego.v1

cfg := data.config.slo

min_budget := object.get(cfg, "min_error_budget", 0)

summary(s) := {
	"slo": s.name, "objective": s.objective, "window": s.window, "sli": s.sli,
	"error_budget_remaining": s.error_budget_remaining, "burn_rates": object.get(s, "burn_rates", {}),
	"thresholds": object.get(s, "thresholds", {}), "min_error_budget": min_budget,
}

no_data_allowed(s) if s.name in object.get(cfg, "allow_no_data", [])

deny contains {
	"msg": "no SLO evidence: add a prometheus source with slos",
	"id": "slo.no_evidence",
	"details": {"expected": "input.slos"},
} if {
	cfg
	count(object.get(input, "slos", [])) == 0
}

deny contains {"msg": msg, "id": "slo.error_budget", "details": summary(s)} if {
	cfg
	some s in input.slos
	s.status == "ok"
	s.error_budget_remaining < min_budget
	msg := sprintf("SLO %s has %v%% of its error budget left, below the minimum of %v%%", [
		s.name, round(s.error_budget_remaining * 10000) / 100, round(min_budget * 10000) / 100,
	])
}

deny contains {"msg": msg, "id": "slo.page_burn", "details": summary(s)} if {
	cfg
	some s in input.slos
	s.alerts.page == true
	msg := sprintf("SLO %s is burning its error budget at page level (1h %v×, 5m %v×)", [
		s.name, round(s.burn_rates["1h"] * 10) / 10, round(s.burn_rates["5m"] * 10) / 10,
	])
}

warn contains {"msg": msg, "id": "slo.ticket_burn", "details": summary(s)} if {
	cfg
	some s in input.slos
	s.alerts.ticket == true
	not s.alerts.page == true
	msg := sprintf("SLO %s is burning its error budget at ticket level (1d %v×, 3d %v×)", [
		s.name, round(s.burn_rates["1d"] * 10) / 10, round(s.burn_rates["3d"] * 10) / 10,
	])
}

no_data_finding(s) := {"msg": msg, "id": "slo.no_data", "details": summary(s)} if {
	msg := sprintf("SLO %s has no data (no series, or too few events in %s)", [s.name, s.window])
}

deny contains no_data_finding(s) if {
	cfg
	some s in input.slos
	s.status == "no_data"
	not no_data_allowed(s)
}

warn contains no_data_finding(s) if {
	cfg
	some s in input.slos
	s.status == "no_data"
	no_data_allowed(s)
}
