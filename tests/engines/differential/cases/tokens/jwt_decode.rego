package relgate.tokens.jwt_decode

import rego.v1

deny contains sprintf("token subject %s may not deploy to %s", [claims.sub, claims.env]) if {
	[_, claims, _] := io.jwt.decode(input.token)
	not claims.sub in data.config.deployers
}

warn contains sprintf("token header %v", [header]) if {
	[header, _, _] := io.jwt.decode(input.token)
}
