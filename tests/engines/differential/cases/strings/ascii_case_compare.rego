package relgate.strings.ascii_case_compare

import rego.v1

deny contains sprintf("%s approved their own change", [a.user]) if {
	some a in input.approvals
	lower(a.user) == lower(input.author)
}
