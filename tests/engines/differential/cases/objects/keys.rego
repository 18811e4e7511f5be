package relgate.objects.keys

import rego.v1

deny contains sprintf("unknown settings %v", [unknown]) if {
	unknown := object.keys(input.settings) - {"max", "min", "mode"}
	count(unknown) > 0
}
