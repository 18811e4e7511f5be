package relgate.net.cidr_intersects

import rego.v1

deny contains sprintf("%s overlaps the production range %s", [n, data.config.prod]) if {
	some n in input.subnets
	net.cidr_intersects(n, data.config.prod)
}
