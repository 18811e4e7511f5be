package relgate.sets.intersection

import rego.v1

required := {x | some x in data.config.required}

present := {c.name | some c in input.checks; c.conclusion == "success"}

deny contains sprintf("missing checks: %v", [required - present]) if count(required - present) > 0

warn contains sprintf("%v", [intersection({required, present, {"lint", "build"}})]) if true

warn contains sprintf("%v", [(required & present)]) if true
