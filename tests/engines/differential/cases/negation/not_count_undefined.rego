package relgate.negation.not_count_undefined

import rego.v1

deny contains "no approvals recorded" if not count(input.approvals) > 0
