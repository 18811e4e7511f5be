package relgate.time.diff

import rego.v1

deny contains sprintf("age %v", [time.diff(a, b)]) if {
	a := time.parse_rfc3339_ns(input.a)
	b := time.parse_rfc3339_ns(input.b)
}
