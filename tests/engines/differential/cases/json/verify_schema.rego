package relgate.json.verify_schema

import rego.v1

deny contains sprintf("%v", [json.verify_schema(input.schema)]) if true
