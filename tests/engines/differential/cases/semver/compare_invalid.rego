package relgate.semver.compare_invalid

import rego.v1

deny contains "older" if semver.compare(input.version, "2.0.0") < 0

warn contains "compare failed" if not semver.compare(input.version, "2.0.0")
