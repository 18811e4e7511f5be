package relgate.time.add_date_years_negative

import rego.v1

deny contains sprintf("%v", [time.date(time.add_date(t, -1, -2, -3))]) if {
	t := time.parse_rfc3339_ns(input.at)
}
