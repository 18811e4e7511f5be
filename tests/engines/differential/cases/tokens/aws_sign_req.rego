package relgate.tokens.aws_sign_req

import rego.v1

deny contains sprintf("signed headers: %v", [sort(object.keys(signed.headers))]) if {
	signed := providers.aws.sign_req(
		{"method": "get", "url": "https://example.amazonaws.com/"},
		{"aws_access_key": "AKIDEXAMPLE", "aws_secret_access_key": "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "aws_service": "s3", "aws_region": "us-east-1"},
		1440938160000000000,
	)
}
