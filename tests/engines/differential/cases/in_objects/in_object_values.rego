package relgate.in_objects.in_object_values

import rego.v1

deny contains sprintf("%s is listed", [input.user]) if input.user in data.config.owners
