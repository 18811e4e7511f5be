package relgate.strings.count_overlap

import rego.v1

deny contains sprintf("%d", [strings.count(input.s, input.sub)]) if true
