package relgate.sprintf.float_precision

import rego.v1

deny contains sprintf("pass rate %.2f%% is below %.2f%%", [input.rate * 100, data.config.min * 100]) if input.rate < data.config.min
