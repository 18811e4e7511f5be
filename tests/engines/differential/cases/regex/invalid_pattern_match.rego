package relgate.regex.invalid_pattern_match

import rego.v1

deny contains "matched" if regex.match(input.pattern, "abc")

warn contains "no match or error" if not regex.match(input.pattern, "abc")
