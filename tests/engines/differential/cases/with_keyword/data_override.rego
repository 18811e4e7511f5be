package relgate.with_keyword.data_override

import rego.v1

max_high := data.config.max_high

deny contains sprintf("strict limit %d", [m]) if {
	m := max_high with data.config.max_high as 0
}

deny contains sprintf("configured limit %d", [max_high]) if true
