package relgate.regex.unicode

import rego.v1

deny contains sprintf("%v", [regex.find_n(`\p{L}+`, input.s, -1)]) if true

deny contains sprintf("%v", [regex.match(`^.{3}$`, input.s)]) if true
