package relgate.json.filter_array_paths

import rego.v1

deny contains sprintf("%v", [json.filter(input.doc, [["a", "b"], ["c"]])]) if true
