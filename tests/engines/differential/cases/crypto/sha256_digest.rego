package relgate.crypto.sha256_digest

import rego.v1

deny contains sprintf("artifact digest %s does not match", [d]) if {
	d := crypto.sha256(input.content)
	d != input.expected
}
