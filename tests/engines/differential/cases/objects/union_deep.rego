package relgate.objects.union_deep

import rego.v1

deny contains sprintf("effective %v", [object.union(data.config.defaults, input.overrides)]) if true
