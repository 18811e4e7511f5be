package relgate.with_keyword.function_mock

import rego.v1

weekend if time.weekday(input.evaluated_at_ns) in {"Saturday", "Sunday"}

deny contains "weekend (mocked)" if {
	weekend with time.weekday as "Sunday"
}

deny contains "weekend" if weekend
