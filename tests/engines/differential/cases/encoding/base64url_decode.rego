package relgate.encoding.base64url_decode

import rego.v1

deny contains base64url.decode(input.s) if true
