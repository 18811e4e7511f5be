package relgate.rules.rule_named_like_builtin

import rego.v1

count := 3

deny contains sprintf("%v", [count]) if true
