package relgate.functions.dynamic_dispatch_data

import rego.v1

check_max(kind) := data.config.max[kind]

deny contains sprintf("%s: %d > %d", [k, n, check_max(k)]) if {
	some k, n in input.counts
	n > check_max(k)
}
