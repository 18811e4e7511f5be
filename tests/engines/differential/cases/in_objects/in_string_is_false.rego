package relgate.in_objects.in_string_is_false

import rego.v1

deny contains "substring via in" if "a" in input.s

warn contains "in on a string is false" if not "a" in input.s
