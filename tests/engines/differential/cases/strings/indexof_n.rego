package relgate.strings.indexof_n

import rego.v1

deny contains sprintf("%v", [[indexof(input.s, input.sub), indexof_n(input.s, input.sub)]]) if true
