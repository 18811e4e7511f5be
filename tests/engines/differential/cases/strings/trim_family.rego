package relgate.strings.trim_family

import rego.v1

deny contains sprintf("%v", [[trim(s, "xy"), trim_left(s, "xy"), trim_right(s, "xy"), trim_prefix(s, "xy"), trim_suffix(s, "yx"), trim_space(s)]]) if {
	s := input.s
}
