package relgate.freeze_test

import rego.v1

window := {
	"start": "2026-12-24T00:00:00Z", "end": "2026-12-27T00:00:00Z", "reason": "holiday freeze",
	"start_ns": 1798070400000000000, "end_ns": 1798329600000000000,
}

denies(at_ns) := result if {
	result := data.relgate.freeze.deny with input as {"evaluated_at_ns": at_ns, "evaluated_at": "t"}
		with data.config as {"freeze_windows": [window]}
}

test_no_windows_takes_no_part if {
	count(data.relgate.freeze.deny) == 0 with input as {"evaluated_at_ns": 1798070400000000000} with data.config as {}
}

test_inside_window_denies_with_reason if {
	some d in denies(1798200000000000000)
	d.id == "freeze.active"
	d.details.reason == "holiday freeze"
	d.details.end == "2026-12-27T00:00:00Z"
	contains(d.msg, "holiday freeze")
}

test_start_is_inside if {
	count(denies(1798070400000000000)) == 1
}

test_end_is_outside if {
	count(denies(1798329600000000000)) == 0
}

test_just_before_start_is_outside if {
	count(denies(1798070399999999999)) == 0
}

test_malformed_window_denies if {
	conf := {"freeze_windows": [{"start": "soon", "end": "later", "reason": "x"}]}
	some d in data.relgate.freeze.deny with input as {"evaluated_at_ns": 1} with data.config as conf
	d.id == "freeze.malformed_window"
}

test_window_without_start_text_still_denies if {
	bare := object.remove(window, ["start", "end"])
	some d in data.relgate.freeze.deny with input as {"evaluated_at_ns": 1798200000000000000}
		with data.config as {"freeze_windows": [bare]}
	d.id == "freeze.active"
	d.details.start == 1798070400000000000
}

test_missing_evaluation_time_denies if {
	some d in data.relgate.freeze.deny with input as {} with data.config as {"freeze_windows": [window]}
	d.id == "freeze.no_evaluation_time"
}

test_evaluation_time_as_text_denies if {
	some d in data.relgate.freeze.deny with input as {"evaluated_at_ns": "1798200000000000000"}
		with data.config as {"freeze_windows": [window]}
	d.id == "freeze.no_evaluation_time"
}

test_no_evaluation_time_needed_without_windows if {
	count(data.relgate.freeze.deny) == 0 with input as {} with data.config as {"freeze_windows": []}
}

test_window_ending_before_it_starts_is_malformed if {
	inverted := object.union(window, {"start_ns": window.end_ns, "end_ns": window.start_ns})
	some d in data.relgate.freeze.deny with input as {"evaluated_at_ns": 1798200000000000000}
		with data.config as {"freeze_windows": [inverted]}
	d.id == "freeze.malformed_window"
}

test_windows_not_given_as_a_list_deny if {
	some d in data.relgate.freeze.deny with input as {"evaluated_at_ns": 1798200000000000000}
		with data.config as {"freeze_windows": window}
	d.id == "freeze.malformed_window"
	d.msg == "freeze_windows must be a list of {start, end, reason} windows"
}

test_thresholds_as_text_are_malformed if {
	textual := object.union(window, {"start_ns": "1798070400000000000"})
	some d in data.relgate.freeze.deny with input as {"evaluated_at_ns": 1798200000000000000}
		with data.config as {"freeze_windows": [textual]}
	d.id == "freeze.malformed_window"
}

test_windows_given_as_text_deny if {
	some d in data.relgate.freeze.deny with input as {"evaluated_at_ns": 1798200000000000000}
		with data.config as {"freeze_windows": "2026-12-24/2026-12-27"}
	d.id == "freeze.malformed_window"
}
