package relgate.gate.change_ticket

import rego.v1

deny contains "the change has no ticket reference" if {
	not regex.match(`(?i)\b(CHG|INC)[0-9]{6,}\b`, input.change.title)
}

deny contains sprintf("ticket %s is closed", [t]) if {
	some t in regex.find_n(`(?i)\b(?:CHG|INC)[0-9]{6,}\b`, input.change.title, -1)
	upper(t) in data.closed_tickets
}
