package relgate.uri.parse

import rego.v1

deny contains sprintf("%s uses plain http", [u]) if {
	some u in input.urls
	uri.parse(u).scheme == "http"
}
