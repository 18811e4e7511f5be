package relgate.glob.empty_delimiters

import rego.v1

deny contains sprintf("%s ~ %s", [p, s]) if {
	some p in ["*.example.com", "a*b", "[abc]*", "[!a]*", "\\*x"]
	some s in input.values
	glob.match(p, null, s)
}
