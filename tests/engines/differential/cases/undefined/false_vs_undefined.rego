package relgate.undefined.false_vs_undefined

import rego.v1

flag := input.flag

deny contains "flag is false" if flag == false

deny contains "flag is undefined" if not flag

warn contains "flag is true" if flag
