package relgate.strings.concat_join

import rego.v1

deny contains concat(", ", input.items) if true

deny contains concat("|", {x | some x in input.items}) if true
