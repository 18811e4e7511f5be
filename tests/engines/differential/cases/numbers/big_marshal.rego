package relgate.numbers.big_marshal

import rego.v1

deny contains json.marshal({"id": input.id, "next": input.id + 1}) if true

warn contains sprintf("%v", [json.unmarshal(input.text)]) if true
