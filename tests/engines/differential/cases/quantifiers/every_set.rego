package relgate.quantifiers.every_set

import rego.v1

deny contains "all severities known" if {
	every s in {f.severity | some f in input.findings} {
		s in {"critical", "high", "medium", "low"}
	}
}
