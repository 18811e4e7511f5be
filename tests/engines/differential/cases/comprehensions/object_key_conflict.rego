package relgate.comprehensions.object_key_conflict

import rego.v1

deny contains sprintf("%v", [{f.severity: f.id | some f in input.findings}]) if true
