package relgate.objects.filter

import rego.v1

deny contains sprintf("%v", [object.filter(input.doc, ["name", "missing"])]) if true

warn contains sprintf("%v", [object.filter(input.doc, {"tier"})]) if true
