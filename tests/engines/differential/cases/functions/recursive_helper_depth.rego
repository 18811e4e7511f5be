package relgate.functions.recursive_helper_depth

import rego.v1

depth(x) := 1 + max([depth(v) | some v in x]) if {
	is_array(x)
	count(x) > 0
} else := 0

deny contains "recursion" if depth(input.tree) > 2
