package relgate.units.cpu

import rego.v1

deny contains sprintf("%s = %v", [q, units.parse(q)]) if {
	some q in input.quantities
}
