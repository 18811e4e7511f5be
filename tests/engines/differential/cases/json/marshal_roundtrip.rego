package relgate.json.marshal_roundtrip

import rego.v1

deny contains json.marshal(input.doc) if true

warn contains "round trip keeps the value" if json.unmarshal(json.marshal(input.doc)) == input.doc
