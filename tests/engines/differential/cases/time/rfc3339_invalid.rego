package relgate.time.rfc3339_invalid

import rego.v1

deny contains "unparseable timestamp" if {
	not time.parse_rfc3339_ns(input.at)
}

warn contains sprintf("parsed %d", [n]) if {
	n := time.parse_rfc3339_ns(input.at)
}
