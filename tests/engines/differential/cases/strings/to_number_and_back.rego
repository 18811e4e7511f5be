package relgate.strings.to_number_and_back

import rego.v1

deny contains sprintf("%v", [[to_number(input.s), to_number(input.b), to_number(null)]]) if true
