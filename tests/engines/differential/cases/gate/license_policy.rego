package relgate.gate.license_policy

import rego.v1

denied_license(l) if {
	some pattern in data.config.denied
	glob.match(pattern, [], l)
}

deny contains sprintf("%s@%s uses the denied license %s", [p.name, p.version, l]) if {
	some p in input.sbom.components
	some lic in p.licenses
	l := upper(lic.license.id)
	denied_license(l)
}

warn contains sprintf("%s has no license information", [p.name]) if {
	some p in input.sbom.components
	count(object.get(p, "licenses", [])) == 0
}
