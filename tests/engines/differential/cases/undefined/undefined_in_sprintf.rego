package relgate.undefined.undefined_in_sprintf

import rego.v1

deny contains sprintf("value %v", [input.missing]) if true

warn contains "after" if true
