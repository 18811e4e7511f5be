package relgate.conflicts.object_merge_ref_heads

import rego.v1

settings.a := 1

settings.b := input.b

deny contains sprintf("%v", [settings]) if true
