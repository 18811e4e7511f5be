package relgate.glob.quote_meta

import rego.v1

deny contains glob.quote_meta(input.s) if true
