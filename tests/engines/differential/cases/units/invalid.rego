package relgate.units.invalid

import rego.v1

deny contains sprintf("%s parsed", [q]) if {
	some q in input.quantities
	units.parse_bytes(q)
}

warn contains sprintf("%s rejected", [q]) if {
	some q in input.quantities
	not units.parse_bytes(q)
}
