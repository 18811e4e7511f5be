package relgate.rules.else_without_default

import rego.v1

tier := "gold" if {
	input.score > 90
} else := "silver" if {
	input.score > 50
}

deny contains sprintf("tier %s", [tier]) if true

warn contains "no tier" if not tier
