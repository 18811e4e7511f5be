package relgate.time.now_with

import rego.v1

deny contains "frozen" if {
	time.now_ns() > data.config.freeze_from_ns
}
