package relgate.comprehensions.empty_is_defined

import rego.v1

deny contains sprintf("%d high", [count(high)]) if {
	high := [f | some f in input.findings; f.severity == "high"]
}
