package relgate.conflicts.partial_object_key

import rego.v1

owners[f] := o if {
	some rule in input.rules
	f := rule.file
	o := rule.owner
}

deny contains sprintf("%v", [owners]) if true
