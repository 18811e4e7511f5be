package relgate.crypto.hmac

import rego.v1

deny contains crypto.hmac.sha256(input.msg, input.key) if true

warn contains "equal" if crypto.hmac.equal(crypto.hmac.sha256(input.msg, input.key), input.mac)
