package relgate.encoding.yaml_multi

import rego.v1

deny contains sprintf("%v", [yaml.unmarshal(input.text)]) if true
