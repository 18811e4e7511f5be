package relgate.quantifiers.in_key_value

import rego.v1

deny contains "index 0 holds a" if 0, "a" in input.list

deny contains "key team holds payments" if "team", "payments" in input.labels

warn contains "not: index 1 holds a" if not 1, "a" in input.list
