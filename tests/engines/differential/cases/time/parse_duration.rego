package relgate.time.parse_duration

import rego.v1

deny contains sprintf("approval is %s old, more than %s", [input.age, data.config.max_age]) if {
	time.parse_duration_ns(input.age) > time.parse_duration_ns(data.config.max_age)
}
