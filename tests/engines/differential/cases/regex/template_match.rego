package relgate.regex.template_match

import rego.v1

deny contains sprintf("%s matches", [input.path]) if {
	regex.template_match("urn:foo:{.*}:bar", input.path, "{", "}")
}

warn contains sprintf("%s does not match", [input.path]) if {
	not regex.template_match("urn:foo:{.*}:bar", input.path, "{", "}")
}
