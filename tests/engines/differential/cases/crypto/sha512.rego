package relgate.crypto.sha512

import rego.v1

deny contains crypto.sha512(input.s) if true
