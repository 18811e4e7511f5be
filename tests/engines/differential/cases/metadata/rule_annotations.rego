package relgate.metadata.rule_annotations

import rego.v1

# METADATA
# title: Critical findings
# custom:
#   severity: high
deny contains sprintf("%s (%s): %d", [meta.title, meta.custom.severity, input.critical]) if {
	input.critical > 0
	meta := rego.metadata.rule()
}
