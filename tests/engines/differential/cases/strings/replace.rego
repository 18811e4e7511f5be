package relgate.strings.replace

import rego.v1

deny contains replace(input.s, input.old, input.new) if true
