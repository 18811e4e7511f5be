package relgate.rules.else_in_function

import rego.v1

label(x) := "big" if {
	x > 100
} else := "medium" if {
	x > 10
} else := "small"

deny contains sprintf("%v is %s", [n, label(n)]) if {
	some n in input.values
}
