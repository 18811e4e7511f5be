package relgate.graphql.is_valid

import rego.v1

deny contains "the query does not match the schema" if not graphql.is_valid(input.query, data.schema)
