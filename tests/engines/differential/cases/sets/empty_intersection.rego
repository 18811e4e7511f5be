package relgate.sets.empty_intersection

import rego.v1

deny contains sprintf("%v", [intersection(set())]) if true

deny contains sprintf("%v", [union(set())]) if true
