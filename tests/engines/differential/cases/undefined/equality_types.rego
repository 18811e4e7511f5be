package relgate.undefined.equality_types

import rego.v1

deny contains sprintf("%v", [[1 == 1.0, "1" == 1, null == false, [] == {}, {} == set()]]) if true
