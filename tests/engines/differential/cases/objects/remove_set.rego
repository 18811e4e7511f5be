package relgate.objects.remove_set

import rego.v1

deny contains sprintf("%v", [object.remove(input.doc, {"secret", "token"})]) if true
