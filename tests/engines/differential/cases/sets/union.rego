package relgate.sets.union

import rego.v1

deny contains sprintf("%v", [union({{x | some x in input.a}, {x | some x in input.b}, {"z"}})]) if true

warn contains sprintf("%v", [({x | some x in input.a} | {x | some x in input.b})]) if true
