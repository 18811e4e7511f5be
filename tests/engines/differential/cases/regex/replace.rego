package relgate.regex.replace

import rego.v1

deny contains regex.replace(input.msg, `(\d{4})-(\d{4})-(\d{4})-(\d{4})`, "****-****-****-$4") if true

deny contains regex.replace(input.msg, `\s+`, " ") if true
