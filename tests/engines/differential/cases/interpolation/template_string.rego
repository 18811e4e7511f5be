package relgate.interpolation.template_string

import rego.v1

deny contains $"service {input.service} is frozen until {data.config.until}" if true
