package relgate.conflicts.default_and_value

import rego.v1

default mode := "enforce"

mode := input.mode

deny contains mode if true
