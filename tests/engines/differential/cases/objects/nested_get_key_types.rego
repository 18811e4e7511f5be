package relgate.objects.nested_get_key_types

import rego.v1

deny contains sprintf("%v", [[input.doc["1"], object.get(input.doc, "1", "none"), object.get({1: "int"}, 1, "none")]]) if true
