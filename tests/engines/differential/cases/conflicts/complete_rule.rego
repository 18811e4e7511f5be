package relgate.conflicts.complete_rule

import rego.v1

level := "high" if input.a

level := "low" if input.b

deny contains level if true
