package relgate.quantifiers.every_undefined_domain

import rego.v1

deny contains "every over a missing field" if {
	every x in input.missing {
		x > 10
	}
}

warn contains "not every over a missing field" if {
	not every_missing
}

every_missing if {
	every x in input.missing {
		x > 10
	}
}
