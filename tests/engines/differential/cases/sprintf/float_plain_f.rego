package relgate.sprintf.float_plain_f

import rego.v1

deny contains sprintf("%f %e", [input.x, input.x]) if true
