# Required CI checks: each named check must have concluded `success` on the gated commit.
# Takes part when data.config.checks exists:
#   required: ["build", "test"]
# Evidence: input.checks (the github source: check runs and commit statuses).
package relgate.checks

import rego.v1

cfg := data.config.checks

passed(name) if {
	some check in input.checks
	check.name == name
	check.conclusion == "success"
}

observed(name) := [{"status": c.status, "conclusion": c.conclusion} | some c in input.checks; c.name == name]

deny contains {
	"msg": "no CI check evidence: add a github source",
	"id": "checks.no_evidence",
	"details": {"expected": "input.checks"},
} if {
	cfg
	not input.checks
}

deny contains {"msg": msg, "id": "checks.required", "details": details} if {
	some name in cfg.required
	input.checks
	not passed(name)
	seen := observed(name)
	msg := sprintf("required check %s has not succeeded (%d run(s) seen)", [name, count(seen)])
	details := {"check": name, "required_conclusion": "success", "observed": seen}
}
