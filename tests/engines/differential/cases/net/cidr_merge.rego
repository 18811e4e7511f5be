package relgate.net.cidr_merge

import rego.v1

deny contains sprintf("merged %v", [net.cidr_merge(input.ranges)]) if true
