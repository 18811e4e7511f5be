package relgate.rules.default_rule_unset

import rego.v1

default max_high := 5

max_high := data.config.max_high

deny contains sprintf("%d high findings exceed %d", [input.high, max_high]) if input.high > max_high
