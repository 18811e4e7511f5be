package relgate.rules.v1_ref_head

import rego.v1

deny contains msg if {
	some name, rule in rules
	rule.violated
	msg := sprintf("%s violated", [name])
}

rules.slo.violated := input.slo_bad

rules.tests.violated := input.tests_bad
