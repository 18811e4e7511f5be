package relgate.objects.subset_arrays_sets

import rego.v1

deny contains sprintf("%v", [[object.subset([1, 2, 3], [2, 3]), object.subset([1, 2, 3], [1, 3]), object.subset({1, 2, 3}, {1, 3}), object.subset([1, 2, 3], {1, 3})]]) if true
