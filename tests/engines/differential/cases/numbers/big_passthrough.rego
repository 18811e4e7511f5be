package relgate.numbers.big_passthrough

import rego.v1

deny contains {"msg": "ids", "details": {"ids": input.ids}} if true
