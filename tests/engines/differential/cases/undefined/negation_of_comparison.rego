package relgate.undefined.negation_of_comparison

import rego.v1

deny contains "not above" if not input.n > 5

warn contains "not equal" if input.n != 5
