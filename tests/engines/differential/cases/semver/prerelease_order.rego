package relgate.semver.prerelease_order

import rego.v1

deny contains sprintf("%s < %s", [a, b]) if {
	some a in input.versions
	some b in input.versions
	semver.compare(a, b) == -1
}
