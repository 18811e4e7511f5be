package relgate.encoding.base64_decode_invalid

import rego.v1

deny contains base64.decode(input.s) if true

warn contains "undecodable" if not base64.decode(input.s)
