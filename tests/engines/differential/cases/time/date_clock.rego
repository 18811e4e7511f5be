package relgate.time.date_clock

import rego.v1

deny contains sprintf("%d-%02d-%02d %02d:%02d:%02d", [y, m, d, h, mi, s]) if {
	ns := time.parse_rfc3339_ns(input.at)
	[y, m, d] := time.date(ns)
	[h, mi, s] := time.clock(ns)
}
