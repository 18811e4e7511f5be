package relgate.crypto.x509_parse_fails_closed

import rego.v1

deny contains "certificate parsed" if crypto.x509.parse_certificates(input.pem)
