package relgate.gate.required_checks

import rego.v1

check_ok(name) if {
	some c in input.checks
	c.name == name
	c.status == "completed"
	c.conclusion == "success"
}

check_failed(name) if {
	some c in input.checks
	c.name == name
	c.conclusion != "success"
}

deny contains sprintf("required check %s has not passed", [name]) if {
	some name in data.config.required
	not check_ok(name)
}

deny contains sprintf("required check %s failed in another run", [name]) if {
	some name in data.config.required
	check_failed(name)
}
