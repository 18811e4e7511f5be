package relgate.strings.substring

import rego.v1

deny contains sprintf("%v", [[substring(input.s, 0, 3), substring(input.s, 2, -1), substring(input.s, 10, 2)]]) if true
