package relgate.objects.get_paths

import rego.v1

deny contains sprintf("%v", [object.get(input.doc, ["spec", "template", "replicas"], "unset")]) if true

deny contains sprintf("%v", [object.get(input.doc, "kind", "none")]) if true

deny contains sprintf("%v", [object.get(input.doc, [], "empty path")]) if true
