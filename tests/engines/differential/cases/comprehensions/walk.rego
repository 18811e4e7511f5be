package relgate.comprehensions.walk

import rego.v1

deny contains sprintf("%v", [path]) if {
	walk(input.doc, [path, value])
	value == "secret"
}
