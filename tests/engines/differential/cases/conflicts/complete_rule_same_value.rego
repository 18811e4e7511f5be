package relgate.conflicts.complete_rule_same_value

import rego.v1

level := "high" if input.a

level := "high" if input.b

deny contains level if true
