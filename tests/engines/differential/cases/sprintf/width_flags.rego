package relgate.sprintf.width_flags

import rego.v1

deny contains sprintf("[%5d] [%-5d] [%05d] [%+d]", [input.n, input.n, input.n, input.n]) if true
