package relgate.net.cidr_is_valid

import rego.v1

deny contains sprintf("invalid network %v", [c]) if {
	some c in input.cidrs
	not net.cidr_is_valid(c)
}
