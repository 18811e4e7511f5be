package relgate.time.date_clock_tz

import rego.v1

deny contains sprintf("%v %v", [time.date([ns, input.tz]), time.clock([ns, input.tz])]) if {
	ns := time.parse_rfc3339_ns(input.at)
}
