package relgate.numbers.big_nanoseconds

import rego.v1

deny contains sprintf("%d ns after the deadline", [input.evaluated_at_ns - data.config.deadline_ns]) if input.evaluated_at_ns > data.config.deadline_ns
