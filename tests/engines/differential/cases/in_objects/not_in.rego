package relgate.in_objects.not_in

import rego.v1

deny contains sprintf("%s is not an allowed environment", [input.env]) if not input.env in data.config.environments
