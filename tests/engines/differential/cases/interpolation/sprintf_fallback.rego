package relgate.interpolation.sprintf_fallback

import rego.v1

deny contains sprintf("service %s is frozen until %s", [input.service, data.config.until]) if true
