package relgate.time.add_date_plain

import rego.v1

deny contains sprintf("expired on %v", [time.date(expiry)]) if {
	issued := time.parse_rfc3339_ns(input.issued_at)
	expiry := time.add_date(issued, 0, 0, data.config.valid_days)
	expiry < input.evaluated_at_ns
}
