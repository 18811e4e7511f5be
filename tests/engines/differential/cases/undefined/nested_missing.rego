package relgate.undefined.nested_missing

import rego.v1

deny contains sprintf("owner %s", [input.change.pull_request.author]) if true

deny contains "no pr" if not input.change.pull_request

deny contains "no author" if not input.change.pull_request.author
