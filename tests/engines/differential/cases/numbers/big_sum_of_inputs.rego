package relgate.numbers.big_sum_of_inputs

import rego.v1

deny contains sprintf("%v", [[input.a + input.b, input.a - input.b]]) if true

deny contains {"msg": "details", "details": {"sum": input.a + input.b, "diff": input.a - input.b}} if true

warn contains "the sum passed 2^64" if input.a + input.b > 18446744073709551615
