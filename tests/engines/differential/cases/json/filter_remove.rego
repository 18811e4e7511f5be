package relgate.json.filter_remove

import rego.v1

deny contains sprintf("%v", [json.filter(input.doc, ["a/b", "c"])]) if true

deny contains sprintf("%v", [json.remove(input.doc, ["a/b", "c/0"])]) if true
