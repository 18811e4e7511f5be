package relgate.in_objects.key_in_object

import rego.v1

deny contains sprintf("%s is a team", [input.team]) if {
	some team, _ in data.config.owners
	team == input.team
}

warn contains sprintf("%s has an owner", [input.team]) if data.config.owners[input.team]
