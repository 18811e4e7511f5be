package relgate.time.business_hours

import rego.v1

deny contains sprintf("outside business hours (%02d:00 local)", [hour]) if {
	[hour, _, _] := time.clock([input.evaluated_at_ns, data.config.tz])
	not hour_ok(hour)
}

hour_ok(h) if {
	h >= data.config.start_hour
	h < data.config.end_hour
}
