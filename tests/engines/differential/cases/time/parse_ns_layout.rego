package relgate.time.parse_ns_layout

import rego.v1

deny contains sprintf("%d", [time.parse_ns("2006-01-02", input.day)]) if true

deny contains sprintf("%d", [time.parse_ns("02 Jan 06 15:04 MST", input.rfc822)]) if true
