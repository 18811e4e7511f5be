package relgate.sprintf.verbs_basic

import rego.v1

deny contains sprintf("%s|%v|%d|%q", [input.s, input.v, input.n, input.s]) if true
