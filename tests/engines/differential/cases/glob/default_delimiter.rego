package relgate.glob.default_delimiter

import rego.v1

deny contains sprintf("%s ~ %s", [p, s]) if {
	some p in ["*.example.com", "api.*.com", "**.com", "{a,b}.example.com"]
	some s in input.hosts
	glob.match(p, [], s)
}
