package relgate.negation.not_undefined_call_arg

import rego.v1

deny contains "author unknown or not excluded" if not startswith(input.change.author, "bot-")
