package relgate.sprintf.set_formatting

import rego.v1

deny contains sprintf("%v", [{x | some x in input.items}]) if true
