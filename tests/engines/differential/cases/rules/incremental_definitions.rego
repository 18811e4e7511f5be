package relgate.rules.incremental_definitions

import rego.v1

deny contains "first" if input.a

deny contains "second" if input.b

deny contains "first" if input.b
