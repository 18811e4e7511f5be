package relgate.gate.image_digest_pinning

import rego.v1

deny contains sprintf("image %s is not pinned by digest", [img]) if {
	some c in input.spec.containers
	img := c.image
	not regex.match(`@sha256:[a-f0-9]{64}$`, img)
}

deny contains sprintf("image %s uses the latest tag", [img]) if {
	some c in input.spec.containers
	img := c.image
	endswith(img, ":latest")
}
