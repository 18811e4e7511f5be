package relgate.sprintf.negative_d

import rego.v1

deny contains sprintf("error budget %d%% below target", [input.pct]) if input.pct < 0
