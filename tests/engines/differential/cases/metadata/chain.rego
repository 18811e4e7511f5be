package relgate.metadata.chain

import rego.v1

# METADATA
# custom:
#   short_name: weekday
deny contains sprintf("%v", [[c.path | some c in rego.metadata.chain()]]) if input.fire
