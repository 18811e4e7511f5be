package relgate.encoding.base64

import rego.v1

deny contains sprintf("%v", [[base64.encode(input.s), base64.decode(base64.encode(input.s)), base64url.encode(input.s), base64url.encode_no_pad(input.s), base64.is_valid(input.s)]]) if true
