package relgate.strings.split_empty

import rego.v1

deny contains sprintf("%v", [[split(input.s, ","), split(input.s, "")]]) if true
