package relgate.objects.union_n

import rego.v1

deny contains sprintf("%v", [object.union_n(input.layers)]) if true
