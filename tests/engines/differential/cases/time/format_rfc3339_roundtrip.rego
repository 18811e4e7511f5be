package relgate.time.format_rfc3339_roundtrip

import rego.v1

deny contains "round trip changed the time" if {
	ns := time.parse_rfc3339_ns(input.at)
	time.parse_rfc3339_ns(time.format(ns)) != ns
}

warn contains time.format(time.parse_rfc3339_ns(input.at)) if true
