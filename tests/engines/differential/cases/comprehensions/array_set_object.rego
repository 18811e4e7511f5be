package relgate.comprehensions.array_set_object

import rego.v1

deny contains sprintf("%v", [[
	[f.id | some f in input.findings; f.severity == "high"],
	{f.severity | some f in input.findings},
	{f.id: f.severity | some f in input.findings},
]]) if true
