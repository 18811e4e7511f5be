package relgate.json.is_valid

import rego.v1

deny contains sprintf("%v", [[json.is_valid(s) | some s in input.texts]]) if true
