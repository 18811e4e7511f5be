package relgate.time.format_layouts

import rego.v1

deny contains time.format([input.ns, "UTC", "2006-01-02"]) if true

deny contains time.format([input.ns, "Europe/Paris", "Mon, 02 Jan 2006 15:04:05 MST"]) if true

deny contains time.format(input.ns) if true
