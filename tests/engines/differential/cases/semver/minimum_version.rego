package relgate.semver.minimum_version

import rego.v1

deny contains sprintf("%s %s is older than the minimum %s", [c.name, c.version, min]) if {
	some c in input.components
	min := data.config.minimum[c.name]
	semver.compare(c.version, min) < 0
}
