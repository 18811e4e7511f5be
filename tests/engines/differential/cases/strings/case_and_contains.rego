package relgate.strings.case_and_contains

import rego.v1

deny contains sprintf("%s is a protected branch", [input.ref]) if {
	some p in data.config.protected
	lower(input.ref) == lower(p)
}

deny contains sprintf("%v", [[upper(input.ref), contains(input.ref, "Main"), startswith(input.ref, "refs/"), endswith(input.ref, "N")]]) if true
