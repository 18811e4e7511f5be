package relgate.encoding.yaml_is_valid

import rego.v1

deny contains sprintf("%v", [[yaml.is_valid(s) | some s in input.texts]]) if true
