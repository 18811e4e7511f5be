package relgate.undefined.comparison_types

import rego.v1

deny contains sprintf("%v", [[1 < "a", null < false, false < 0, [] < {}, {} < set()]]) if true

warn contains "mixed types compare" if "10" > 9
