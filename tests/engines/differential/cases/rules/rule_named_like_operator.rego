package relgate.rules.rule_named_like_operator

import rego.v1

plus := input.a + input.b

deny contains sprintf("sum %v", [plus]) if true
