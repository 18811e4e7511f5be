package relgate.semver.major_bump

import rego.v1

deny contains sprintf("major upgrade %s -> %s needs a review", [input.from, input.to]) if {
	[from_major, _, _] := split(input.from, ".")
	[to_major, _, _] := split(split(input.to, "-")[0], ".")
	to_number(to_major) > to_number(from_major)
	semver.is_valid(input.to)
}
