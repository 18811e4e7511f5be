package relgate.objects.get_false_default

import rego.v1

deny contains "approval required" if {
	object.get(data.config, ["approvals", "required"], true)
	count(input.approvals) == 0
}
