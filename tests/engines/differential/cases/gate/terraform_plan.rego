package relgate.gate.terraform_plan

import rego.v1

deny contains sprintf("%s would be destroyed", [rc.address]) if {
	some rc in input.resource_changes
	"delete" in rc.change.actions
	not rc.address in data.config.allow_destroy
}

warn contains sprintf("%s is replaced", [rc.address]) if {
	some rc in input.resource_changes
	rc.change.actions == ["delete", "create"]
}

deny contains sprintf("security group %s opens port %d to the world", [rc.address, rule.from_port]) if {
	some rc in input.resource_changes
	rc.type == "aws_security_group"
	some rule in rc.change.after.ingress
	"0.0.0.0/0" in rule.cidr_blocks
	rule.from_port != 443
}
