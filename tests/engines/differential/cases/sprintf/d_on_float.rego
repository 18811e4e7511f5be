package relgate.sprintf.d_on_float

import rego.v1

deny contains sprintf("%d findings", [input.n]) if true
