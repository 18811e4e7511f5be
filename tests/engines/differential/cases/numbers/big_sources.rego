package relgate.numbers.big_sources

import rego.v1

literal := 18446744073709551617

deny contains sprintf("input %d, data %d, literal %d", [input.n + 0, data.config.n + 0, literal + 0]) if true

warn contains sprintf("%v", [[input.n == data.config.n, input.n == literal, input.n > 18446744073709551616]]) if true
