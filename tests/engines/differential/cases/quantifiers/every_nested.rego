package relgate.quantifiers.every_nested

import rego.v1

deny contains "a finding lacks a fix" if {
	not every_fixed
}

every_fixed if {
	every f in input.findings {
		every p in f.packages {
			p.fixed_version != ""
		}
	}
}
