package relgate.net.cidr_contains_invalid

import rego.v1

deny contains "inside" if net.cidr_contains(input.net, input.ip)

warn contains "not inside, or an error" if not net.cidr_contains(input.net, input.ip)
