package relgate.strings.reverse_and_format_int

import rego.v1

deny contains sprintf("%v", [[strings.reverse(input.s), format_int(input.n, 2), format_int(input.n, 16), format_int(input.n, 8), format_int(input.n, 10)]]) if true
