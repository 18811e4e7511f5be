package relgate.regex.submatch

import rego.v1

deny contains sprintf("%s=%s", [m[1], m[2]]) if {
	some m in regex.find_all_string_submatch_n(`(\w+)=(\w+)`, input.labels, -1)
}
