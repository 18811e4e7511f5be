package relgate.time.freeze_window

import rego.v1

deny contains sprintf("change freeze %s: %s to %s", [w.reason, w.start, w.end]) if {
	now := time.parse_rfc3339_ns(input.evaluated_at)
	some w in data.config.freeze_windows
	time.parse_rfc3339_ns(w.start) <= now
	now < time.parse_rfc3339_ns(w.end)
}
