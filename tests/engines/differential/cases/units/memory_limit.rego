package relgate.units.memory_limit

import rego.v1

deny contains sprintf("container %s requests %s, above the %s limit", [c.name, c.memory, data.config.max_memory]) if {
	some c in input.containers
	units.parse_bytes(c.memory) > units.parse_bytes(data.config.max_memory)
}
