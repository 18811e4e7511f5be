package relgate.time.rfc3339_offsets

import rego.v1

deny contains sprintf("%s is %d", [s, time.parse_rfc3339_ns(s)]) if {
	some s in input.stamps
}
