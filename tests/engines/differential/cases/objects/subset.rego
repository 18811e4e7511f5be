package relgate.objects.subset

import rego.v1

deny contains sprintf("labels missing: wanted %v", [data.config.required_labels]) if {
	not object.subset(input.labels, data.config.required_labels)
}
