package relgate.undefined.type_error_arith

import rego.v1

deny contains sprintf("%v", [input.a + 1]) if true
