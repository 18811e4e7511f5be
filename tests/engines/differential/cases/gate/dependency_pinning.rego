package relgate.gate.dependency_pinning

import rego.v1

deny contains sprintf("%s is not pinned (%s)", [name, spec]) if {
	some name, spec in input.dependencies
	not pinned(spec)
}

pinned(spec) if regex.match(`^==\d+(\.\d+)*$`, spec)

pinned(spec) if semver.is_valid(spec)
