package relgate.encoding.urlquery

import rego.v1

deny contains sprintf("%v", [[urlquery.encode(input.s), urlquery.decode(urlquery.encode(input.s)), urlquery.encode_object({"q": input.s, "n": "1"}), urlquery.decode_object("a=1&a=2&b=x%20y")]]) if true
