package relgate.conflicts.deny_as_complete

import rego.v1

deny := {"only one"} if input.a

deny := {"another"} if input.b
