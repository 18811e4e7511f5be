package relgate.conflicts.ref_head_conflict

import rego.v1

settings.a := 1

settings.a := input.a

deny contains sprintf("%v", [settings]) if true
