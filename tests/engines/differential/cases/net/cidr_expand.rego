package relgate.net.cidr_expand

import rego.v1

deny contains sprintf("%d hosts: %v", [count(hosts), hosts]) if {
	hosts := net.cidr_expand(input.cidr)
}
