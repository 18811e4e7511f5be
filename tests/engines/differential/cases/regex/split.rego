package relgate.regex.split

import rego.v1

deny contains sprintf("%v", [regex.split(`[,;]\s*`, input.list)]) if true
