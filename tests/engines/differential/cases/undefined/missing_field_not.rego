package relgate.undefined.missing_field_not

import rego.v1

deny contains "no tests reported" if not input.tests

deny contains "no tests ran" if input.tests.total == 0
