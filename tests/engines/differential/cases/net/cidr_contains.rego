package relgate.net.cidr_contains

import rego.v1

deny contains sprintf("%s is outside the allowed networks", [ip]) if {
	some ip in input.egress
	not inside(ip)
}

inside(ip) if {
	some network in data.config.networks
	net.cidr_contains(network, ip)
}
