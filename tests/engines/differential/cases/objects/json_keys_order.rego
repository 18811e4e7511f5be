package relgate.objects.json_keys_order

import rego.v1

deny contains sprintf("%v", [input.doc]) if true

warn contains json.marshal(input.doc) if true
