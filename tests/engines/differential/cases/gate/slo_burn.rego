package relgate.gate.slo_burn

import rego.v1

page_burn(slo) if {
	slo.burn_rates["1h"] > 14.4
	slo.burn_rates["5m"] > 14.4
}

page_burn(slo) if {
	slo.burn_rates["6h"] > 6
	slo.burn_rates["30m"] > 6
}

deny contains sprintf("SLO %s is burning its budget fast", [slo.name]) if {
	some slo in input.slos
	page_burn(slo)
}

deny contains sprintf("SLO %s has %.1f%% of its budget left, below %v%%", [slo.name, slo.error_budget_remaining * 100, data.config.min_error_budget * 100]) if {
	some slo in input.slos
	slo.error_budget_remaining < data.config.min_error_budget
}

warn contains sprintf("SLO %s has no data", [slo.name]) if {
	some slo in input.slos
	slo.status == "no_data"
}
