package relgate.with_keyword.value_from_rule

import rego.v1

effective_max := m if {
	data.config
	m := object.get(data.config, ["limits", "max"], 0)
}

strict_max := 3

deny contains sprintf("with a rule's value: %v", [m]) if {
	m := effective_max with data.config.limits.max as strict_max
}

deny contains sprintf("with a local variable: %v", [m]) if {
	v := strict_max
	m := effective_max with data.config.limits.max as v
}

deny contains sprintf("with a literal: %v", [m]) if {
	m := effective_max with data.config.limits.max as 3
}

deny contains "comparison under with, the rule on both sides" if {
	effective_max == strict_max with data.config.limits.max as strict_max
}

deny contains "comparison under with, a literal on both sides" if {
	effective_max == 3 with data.config.limits.max as 3
}
