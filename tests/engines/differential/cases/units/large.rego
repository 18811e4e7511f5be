package relgate.units.large

import rego.v1

deny contains sprintf("%v", [units.parse_bytes(input.q)]) if true
