package relgate.with_keyword.partial_input

import rego.v1

over if input.counts.high > 3

deny contains "over with replaced counts" if {
	over with input.counts.high as 10
}

deny contains "over with real counts" if over
