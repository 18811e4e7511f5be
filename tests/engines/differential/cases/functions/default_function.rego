package relgate.functions.default_function

import rego.v1

default allowed_env(_) := false

allowed_env(e) if e in data.config.environments

deny contains sprintf("environment %s not allowed", [input.env]) if not allowed_env(input.env)
