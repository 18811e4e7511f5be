package relgate.undefined.count_undefined

import rego.v1

deny contains sprintf("%d findings", [count(input.findings)]) if true

warn contains "no findings field" if not count(input.findings)
