package relgate.net.cidr_v6_contains_v4

import rego.v1

deny contains sprintf("%s in %s", [ip, n]) if {
	some n in ["::ffff:0:0/96", "0.0.0.0/0", "::/0"]
	some ip in input.ips
	net.cidr_contains(n, ip)
}
