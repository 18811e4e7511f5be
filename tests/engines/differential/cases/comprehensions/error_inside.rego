package relgate.comprehensions.error_inside

import rego.v1

deny contains sprintf("%v", [[to_number(s) | some s in input.values]]) if true
