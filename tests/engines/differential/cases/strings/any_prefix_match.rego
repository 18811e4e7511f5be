package relgate.strings.any_prefix_match

import rego.v1

deny contains sprintf("%v", [[strings.any_prefix_match(input.s, ["refs/heads/", "refs/tags/"]), strings.any_suffix_match(input.s, {".tf", ".tfvars"})]]) if true
