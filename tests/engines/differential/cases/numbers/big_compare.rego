package relgate.numbers.big_compare

import rego.v1

deny contains sprintf("sequence %d is not after %d", [input.seq, data.config.last_seq]) if input.seq <= data.config.last_seq
