package relgate.strings.replace_n

import rego.v1

deny contains strings.replace_n(input.patterns, input.s) if true
