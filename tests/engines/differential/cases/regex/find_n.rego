package relgate.regex.find_n

import rego.v1

deny contains sprintf("tickets %v", [regex.find_n(`[A-Z]+-[0-9]+`, input.title, -1)]) if true

warn contains sprintf("first %v", [regex.find_n(`[A-Z]+-[0-9]+`, input.title, 1)]) if true
