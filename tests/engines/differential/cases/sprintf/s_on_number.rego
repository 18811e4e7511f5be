package relgate.sprintf.s_on_number

import rego.v1

deny contains sprintf("%s", [input.n]) if true
