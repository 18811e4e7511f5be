package relgate.sprintf.object_details

import rego.v1

deny contains {"msg": sprintf("%d of %d tests failed", [input.failed, input.total]), "details": {"failed": input.failed, "rate": input.failed / input.total}} if input.failed > 0
