package relgate.numbers.bits

import rego.v1

deny contains sprintf("%v", [[bits.and(12, 10), bits.or(12, 10), bits.xor(12, 10), bits.lsh(1, 62), bits.rsh(-8, 1), bits.negate(0)]]) if true
