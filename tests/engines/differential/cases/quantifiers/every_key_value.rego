package relgate.quantifiers.every_key_value

import rego.v1

deny contains sprintf("setting %s out of range", [k]) if {
	some k, _ in input.limits
	not every_ok
}

every_ok if {
	every k, v in input.limits {
		is_number(v)
		v >= 0
		startswith(k, "max_")
	}
}
