package relgate.glob.image_allowlist

import rego.v1

deny contains sprintf("image %s is not from an allowed registry", [img]) if {
	some img in input.images
	not allowed(img)
}

allowed(img) if {
	some pattern in data.config.allowed
	glob.match(pattern, ["/"], img)
}
