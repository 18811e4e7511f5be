package relgate.negation.double_not

import rego.v1

ok if not bad

bad if input.v > 3

deny contains "ok" if ok

deny contains "not ok" if not ok
