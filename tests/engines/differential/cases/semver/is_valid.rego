package relgate.semver.is_valid

import rego.v1

deny contains sprintf("%v is not a semantic version", [v]) if {
	some v in input.versions
	not semver.is_valid(v)
}
