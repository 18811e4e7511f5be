package relgate.objects.remove

import rego.v1

deny contains sprintf("%v", [object.remove(input.doc, input.keys)]) if true
