package relgate.net.cidr_contains_matches

import rego.v1

deny contains sprintf("%v", [m]) if {
	some m in net.cidr_contains_matches(data.config.networks, input.addresses)
}
