package relgate.gate.deploy_window

import rego.v1

local_hour := h if {
	[h, _, _] := time.clock([input.evaluated_at_ns, data.config.tz])
}

local_day := time.weekday([input.evaluated_at_ns, data.config.tz])

deny contains sprintf("deploys are not allowed on %s", [local_day]) if local_day in {"Saturday", "Sunday"}

deny contains sprintf("deploys are not allowed at %02d:00 %s", [local_hour, data.config.tz]) if {
	not local_day in {"Saturday", "Sunday"}
	local_hour >= 16
}
