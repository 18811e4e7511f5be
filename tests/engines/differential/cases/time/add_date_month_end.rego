package relgate.time.add_date_month_end

import rego.v1

deny contains sprintf("due %s", [due]) if {
	start := time.parse_rfc3339_ns(input.start)
	next := time.add_date(start, 0, 1, 0)
	due := time.format(next)
}
