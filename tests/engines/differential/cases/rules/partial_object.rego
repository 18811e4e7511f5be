package relgate.rules.partial_object

import rego.v1

scores[name] := s if {
	some f in input.findings
	name := f.id
	s := f.score
}

deny contains sprintf("%s scores %v", [k, v]) if {
	some k, v in scores
	v >= 7
}
