package relgate.sprintf.hex_octal

import rego.v1

deny contains sprintf("%x %X %o %b", [input.n, input.n, input.n, input.n]) if true
