package relgate.objects.subset_empty_array

import rego.v1

deny contains sprintf("%v", [object.subset(input.super, input.sub)]) if true
