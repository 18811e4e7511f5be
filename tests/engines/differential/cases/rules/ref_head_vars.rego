package relgate.rules.ref_head_vars

import rego.v1

limits[kind][sev] := n if {
	some kind, m in data.config.max
	some sev, n in m
}

deny contains sprintf("%s/%s limit %d", [k, s, n]) if {
	some k, m in limits
	some s, n in m
	n == 0
}
