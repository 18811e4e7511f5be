package relgate.with_keyword.function_replacement

import rego.v1

is_admin(u) if u == "root"

other(u) if u == "alice"

deny contains sprintf("%s is admin", [u]) if {
	some u in input.users
	is_admin(u) with is_admin as other
}
