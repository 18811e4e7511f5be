package relgate.with_keyword.value_from_input

import rego.v1

max_allowed := data.config.max

deny contains sprintf("override from the input: %v", [m]) if {
	m := max_allowed with data.config.max as input.override
}
