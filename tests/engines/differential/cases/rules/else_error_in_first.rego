package relgate.rules.else_error_in_first

import rego.v1

status := "parsed" if {
	time.parse_rfc3339_ns(input.at) > 0
} else := "other"

deny contains status if true
