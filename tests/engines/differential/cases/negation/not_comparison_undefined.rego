package relgate.negation.not_comparison_undefined

import rego.v1

deny contains "budget not positive" if not input.slo.budget > 0
