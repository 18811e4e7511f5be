package relgate.encoding.hex

import rego.v1

deny contains sprintf("%v", [[hex.encode(input.s), hex.decode(hex.encode(input.s))]]) if true
