package relgate.uri.is_valid

import rego.v1

deny contains sprintf("%s is not a valid URI", [u]) if {
	some u in input.urls
	not uri.is_valid(u)
}
