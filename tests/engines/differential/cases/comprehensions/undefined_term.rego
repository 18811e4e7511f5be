package relgate.comprehensions.undefined_term

import rego.v1

deny contains sprintf("%v", [[x.name | some x in input.items]]) if true
