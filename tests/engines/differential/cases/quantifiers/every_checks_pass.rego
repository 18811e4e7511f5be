package relgate.quantifiers.every_checks_pass

import rego.v1

deny contains "not every required check passed" if {
	not all_passed
}

all_passed if {
	every name in data.config.required {
		some c in input.checks
		c.name == name
		c.conclusion == "success"
	}
}
