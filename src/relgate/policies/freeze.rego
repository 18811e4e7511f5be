# Change freeze windows: no deploy while evaluated_at falls inside one.
# Takes part when data.config.freeze_windows exists:
#   - {start: RFC 3339, end: RFC 3339, reason: "..."}   (the gate adds start_ns / end_ns)
# A window that cannot be read, or an evaluation time that is missing, denies: the gate
# cannot show that the deploy falls outside every freeze.
package relgate.freeze

import rego.v1

windows := data.config.freeze_windows

listed if is_array(windows)

timed if is_number(input.evaluated_at_ns)

well_formed(w) if {
	is_number(w.start_ns)
	is_number(w.end_ns)
	w.start_ns < w.end_ns
}

deny contains {"msg": msg, "id": "freeze.active", "details": details} if {
	listed
	some w in windows
	well_formed(w)
	w.start_ns <= input.evaluated_at_ns
	input.evaluated_at_ns < w.end_ns
	reason := object.get(w, "reason", "change freeze")
	start := object.get(w, "start", w.start_ns)
	end := object.get(w, "end", w.end_ns)
	msg := sprintf("change freeze in force: %v (from %v until %v)", [reason, start, end])
	details := {"reason": reason, "start": start, "end": end, "evaluated_at": object.get(input, "evaluated_at", null)}
}

deny contains {"msg": msg, "id": "freeze.malformed_window", "details": {"index": i}} if {
	listed
	some i, w in windows
	not well_formed(w)
	msg := sprintf("freeze window %d needs RFC 3339 `start` and `end`, with start before end", [i])
}

deny contains {
	"msg": "freeze_windows must be a list of {start, end, reason} windows",
	"id": "freeze.malformed_window",
	"details": {"found": windows},
} if {
	windows
	not listed
}

deny contains {
	"msg": "no evaluation time: cannot tell whether a freeze window is in force",
	"id": "freeze.no_evaluation_time",
	"details": {"expected": "input.evaluated_at_ns"},
} if {
	count(windows) > 0
	not timed
}
