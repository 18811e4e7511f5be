package relgate.quantifiers.every_empty

import rego.v1

deny contains "vacuously true" if {
	every x in input.items {
		x > 10
	}
}
