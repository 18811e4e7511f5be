package relgate.slo_test

import rego.v1

cfg := {"slo": {"min_error_budget": 0.1}}

slo(name, budget, page, ticket) := {
	"name": name, "objective": 0.999, "window": "30d", "sli": 0.9995, "error_ratio": 0.0005,
	"error_budget_remaining": budget, "status": "ok", "total_events": 1000000,
	"burn_rates": {"5m": 20, "30m": 1, "1h": 16, "2h": 1, "6h": 1, "1d": 4, "3d": 2},
	"alerts": {"page": page, "ticket": ticket},
}

outcome(slos, conf) := {"deny": d, "warn": w} if {
	d := data.relgate.slo.deny with input as {"slos": slos} with data.config as conf
	w := data.relgate.slo.warn with input as {"slos": slos} with data.config as conf
}

ids(items) := {i.id | some i in items}

test_section_absent_takes_no_part if {
	count(data.relgate.slo.deny) == 0 with input as {} with data.config as {}
}

test_no_slo_evidence_denies if {
	some d in outcome([], cfg).deny
	d.id == "slo.no_evidence"
	contains(d.msg, "prometheus")
}

test_healthy_slo_passes if {
	result := outcome([slo("a", 0.5, false, false)], cfg)
	count(result.deny) == 0
	count(result.warn) == 0
}

test_budget_at_threshold_passes if {
	count(outcome([slo("a", 0.1, false, false)], cfg).deny) == 0
}

test_budget_below_threshold_denies_with_details if {
	some d in outcome([slo("a", 0.05, false, false)], cfg).deny
	d.id == "slo.error_budget"
	d.details.error_budget_remaining == 0.05
	d.details.min_error_budget == 0.1
	d.details.sli == 0.9995
}

test_default_threshold_is_zero if {
	count(outcome([slo("a", 0, false, false)], {"slo": {}}).deny) == 0
	count(outcome([slo("a", -0.01, false, false)], {"slo": {}}).deny) == 1
}

test_page_burn_denies if {
	some d in outcome([slo("a", 0.5, true, true)], cfg).deny
	d.id == "slo.page_burn"
	d.details.burn_rates["1h"] == 16
}

test_ticket_burn_only_warns if {
	result := outcome([slo("a", 0.5, false, true)], cfg)
	count(result.deny) == 0
	ids(result.warn) == {"slo.ticket_burn"}
}

test_no_data_denies if {
	missing := object.union(slo("a", null, false, false), {"status": "no_data"})
	ids(outcome([missing], cfg).deny) == {"slo.no_data"}
}

test_allowed_no_data_only_warns if {
	missing := object.union(slo("a", null, false, false), {"status": "no_data"})
	result := outcome([missing], {"slo": {"allow_no_data": ["a"]}})
	count(result.deny) == 0
	ids(result.warn) == {"slo.no_data"}
}

denied_ids(slos, conf) := ids(outcome(slos, conf).deny)

test_any_status_other_than_ok_is_no_data if {
	every status in ["error", "OK", "unknown", null] {
		entry := object.union(slo("a", 0.5, false, false), {"status": status})
		denied_ids([entry], cfg) == {"slo.no_data"}
	}
}

test_entry_without_status_is_no_data if {
	entry := object.remove(slo("a", 0.5, false, false), ["status"])
	denied_ids([entry], cfg) == {"slo.no_data"}
}

test_ok_entry_without_a_numeric_budget_is_no_data if {
	every budget in [null, "0.5", {}] {
		denied_ids([slo("a", budget, false, false)], cfg) == {"slo.no_data"}
	}
}

test_ok_entry_without_burn_alerts_is_no_data if {
	entry := object.remove(slo("a", 0.5, false, false), ["alerts"])
	denied_ids([entry], cfg) == {"slo.no_data"}
}

test_page_burn_denies_even_without_burn_rates if {
	entry := object.remove(slo("a", 0.5, true, false), ["burn_rates"])
	some d in outcome([entry], cfg).deny
	d.id == "slo.page_burn"
	d.msg == "SLO a is burning its error budget at page level (1h ?×, 5m ?×)"
}

test_slo_without_a_name_still_denies if {
	entry := object.remove(slo("a", 0.05, false, false), ["name"])
	some d in outcome([entry], cfg).deny
	d.id == "slo.error_budget"
	startswith(d.msg, "SLO ? has 5% of its error budget left")
}

test_minimum_that_is_not_a_number_cannot_be_met if {
	every minimum in ["0.1", null] {
		denied_ids([slo("a", 0.5, false, false)], {"slo": {"min_error_budget": minimum}}) == {
			"slo.error_budget", "slo.invalid_setting",
		}
	}
}

test_slos_that_are_not_a_list_are_no_evidence if {
	some d in data.relgate.slo.deny with input as {"slos": {"a": slo("a", 0.5, false, false)}} with data.config as cfg
	d.id == "slo.no_evidence"
}

test_allow_no_data_as_a_single_name_is_invalid if {
	missing := object.union(slo("a", null, false, false), {"status": "no_data"})
	denied_ids([missing], {"slo": {"allow_no_data": "a"}}) == {"slo.no_data", "slo.invalid_setting"}
}

test_section_without_settings_takes_part_with_defaults if {
	denied_ids([], {"slo": null}) == {"slo.no_evidence"}
	denied_ids([slo("a", -0.01, false, false)], {"slo": null}) == {"slo.error_budget"}
}

test_section_that_is_not_a_mapping_denies_as_invalid if {
	some d in outcome([slo("a", 0.5, false, false)], {"slo": "yes"}).deny
	d.id == "slo.invalid_setting"
	d.details.problems == ["slo must be a mapping of settings"]
}

test_slos_given_as_text_are_no_evidence if {
	ids(data.relgate.slo.deny) == {"slo.no_evidence"} with input as {"slos": "all good"} with data.config as cfg
}
