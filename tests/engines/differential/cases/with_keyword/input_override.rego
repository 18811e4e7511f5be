package relgate.with_keyword.input_override

import rego.v1

allowed if input.role == "admin"

deny contains "admin check passes for admins" if {
	allowed with input as {"role": "admin"}
}

deny contains "caller is not an admin" if not allowed
