package relgate.sprintf.float_v

import rego.v1

deny contains sprintf("%v / %v / %v", [input.a, input.a / 3, input.a * 0.1]) if true
