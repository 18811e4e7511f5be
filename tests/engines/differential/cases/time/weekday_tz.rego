package relgate.time.weekday_tz

import rego.v1

deny contains sprintf("local day %s", [time.weekday([input.ns, data.config.tz])]) if true
