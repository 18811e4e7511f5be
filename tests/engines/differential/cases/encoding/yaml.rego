package relgate.encoding.yaml

import rego.v1

deny contains sprintf("%v", [yaml.unmarshal(input.text)]) if true

warn contains yaml.marshal(input.doc) if true
