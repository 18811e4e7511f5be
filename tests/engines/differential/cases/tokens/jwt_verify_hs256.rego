package relgate.tokens.jwt_verify_hs256

import rego.v1

deny contains "token signature does not verify" if not io.jwt.verify_hs256(input.token, data.config.secret)
