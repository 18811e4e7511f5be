package relgate.sprintf.missing_args

import rego.v1

deny contains sprintf("%s and %s", [input.a]) if true
