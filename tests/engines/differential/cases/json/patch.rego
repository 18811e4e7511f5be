package relgate.json.patch

import rego.v1

deny contains sprintf("%v", [json.patch(input.doc, input.ops)]) if true
