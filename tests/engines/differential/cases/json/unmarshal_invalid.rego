package relgate.json.unmarshal_invalid

import rego.v1

deny contains "parsed" if json.unmarshal(input.text)

warn contains "not parsed" if not json.unmarshal(input.text)
