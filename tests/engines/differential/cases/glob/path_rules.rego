package relgate.glob.path_rules

import rego.v1

deny contains sprintf("%s changed: needs %s approval", [f, owner]) if {
	some f in input.changed_files
	some rule in data.config.owners
	glob.match(rule.pattern, ["/"], f)
	owner := rule.owner
}
