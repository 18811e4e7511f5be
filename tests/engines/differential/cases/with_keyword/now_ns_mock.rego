package relgate.with_keyword.now_ns_mock

import rego.v1

frozen if time.now_ns() >= data.config.freeze_from_ns

deny contains "frozen at the mocked time" if {
	frozen with time.now_ns as data.config.freeze_from_ns
}
