package relgate.strings.split_n

import rego.v1

deny contains sprintf("%v", [strings.split_n(input.s, "/", input.n)]) if true
