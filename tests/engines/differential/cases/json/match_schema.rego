package relgate.json.match_schema

import rego.v1

deny contains sprintf("settings invalid: %v", [errors]) if {
	[valid, errors] := json.match_schema(input.settings, data.schema)
	not valid
}

warn contains sprintf("match_schema says %v", [result]) if {
	result := json.match_schema(input.settings, data.schema)
}
