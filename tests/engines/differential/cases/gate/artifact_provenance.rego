package relgate.gate.artifact_provenance

import rego.v1

deny contains sprintf("artifact %s was built from an untrusted repository %s", [input.artifact.name, repo]) if {
	repo := input.provenance.predicate.buildDefinition.externalParameters.workflow.repository
	not startswith(repo, data.config.trusted_prefix)
}

deny contains "provenance digest does not match the artifact" if {
	some s in input.provenance.subject
	s.name == input.artifact.name
	s.digest.sha256 != input.artifact.sha256
}

deny contains "no provenance" if not input.provenance
