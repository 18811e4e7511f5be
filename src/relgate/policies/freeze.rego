# Change freeze windows: no deploy while evaluated_at falls inside one.
# Takes part when data.config.freeze_windows exists:
#   - {start: RFC 3339, end: RFC 3339, reason: "..."}   (the gate adds start_ns / end_ns)
package relgate.freeze

import rego.v1

well_formed(w) if {
	is_number(w.start_ns)
	is_number(w.end_ns)
}

deny contains {"msg": msg, "id": "freeze.active", "details": details} if {
	some w in data.config.freeze_windows
	well_formed(w)
	w.start_ns <= input.evaluated_at_ns
	input.evaluated_at_ns < w.end_ns
	reason := object.get(w, "reason", "change freeze")
	msg := sprintf("change freeze in force: %s (from %s until %s)", [reason, w.start, w.end])
	details := {"reason": reason, "start": w.start, "end": w.end, "evaluated_at": input.evaluated_at}
}

deny contains {"msg": msg, "id": "freeze.malformed_window", "details": {"index": i}} if {
	some i, w in data.config.freeze_windows
	not well_formed(w)
	msg := sprintf("freeze window %d needs RFC 3339 `start` and `end`", [i])
}
