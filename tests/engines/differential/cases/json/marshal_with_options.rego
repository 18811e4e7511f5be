package relgate.json.marshal_with_options

import rego.v1

deny contains json.marshal_with_options(input.doc, {"pretty": true, "indent": "  ", "prefix": ""}) if true
