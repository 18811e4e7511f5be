package relgate.regex.globs_match

import rego.v1

deny contains sprintf("%s overlaps %s", [a, b]) if {
	some a in input.left
	some b in input.right
	regex.globs_match(a, b)
}
