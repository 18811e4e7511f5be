package relgate.metadata.parse_module

import rego.v1

deny contains sprintf("module declares package %v", [concat(".", [p.value | some p in array.slice(m["package"].path, 1, 10)])]) if {
	m := rego.parse_module("x.rego", input.text)
}
