package relgate.crypto.hashes

import rego.v1

deny contains sprintf("%v", [[crypto.md5(input.s), crypto.sha1(input.s), crypto.sha256(input.s)]]) if true
