# Required CI checks: each named check must have concluded `success` on the gated commit.
# Takes part when data.config.checks exists:
#   required: ["build", "test"]
# Evidence: input.checks (the github source: check runs and commit statuses).
# A name can be reported by several sources (a check run from an app, a commit status):
# every source that reports a required name must have succeeded, and within one source
# (app, name) the latest run decides, so a re-run that passed replaces an earlier failure.
# A run without a completion time (queued, in progress, or undated) is not known to be
# older than the others, so then every run of that source must have succeeded.
package relgate.checks

import rego.v1

cfg := data.config.checks

settings := cfg if is_object(cfg) else := {}

required := settings.required if {
	is_array(settings.required)
} else := [settings.required] if {
	is_string(settings.required)
} else := []

# A negated call never takes a possibly undefined argument: OPA makes `not f(undefined)`
# undefined (opa#1877) where regorus makes it true.
listed if is_array(input.checks)

runs := [c | some c in input.checks; is_object(c)]

app(c) := c.app if is_string(c.app) else := ""

completed_at(c) := c.completed_at_ns if is_number(c.completed_at_ns)

undated(c) if not completed_at(c)

named(name) := [c | some c in runs; c.name == name]

sources(name) := {app(c) | some c in named(name)}

from_source(name, source) := [c | some c in named(name); app(c) == source]

deciding(name, source) := from_source(name, source) if {
	some c in from_source(name, source)
	undated(c)
} else := [c |
	some c in from_source(name, source)
	completed_at(c) == max([completed_at(r) | some r in from_source(name, source)])
]

succeeded(c) if {
	c.conclusion == "success"
	object.get(c, "status", "completed") == "completed"
}

failing_source(name, source) if {
	some c in deciding(name, source)
	not succeeded(c)
}

passed(name) if {
	count(named(name)) > 0
	count([s | some s in sources(name); failing_source(name, s)]) == 0
}

observed(name) := [{
	"app": app(c), "status": object.get(c, "status", null), "conclusion": object.get(c, "conclusion", null),
	"completed_at": object.get(c, "completed_at", null),
} |
	some c in named(name)
]

deny contains {
	"msg": "no CI check evidence: add a github source",
	"id": "checks.no_evidence",
	"details": {"expected": "input.checks"},
} if {
	cfg
	not listed
}

deny contains {"msg": msg, "id": "checks.required", "details": details} if {
	cfg
	listed
	some name in required
	not passed(name)
	seen := observed(name)
	msg := sprintf("required check %v has not succeeded (%d run(s) seen)", [name, count(seen)])
	details := {"check": name, "required_conclusion": "success", "observed": seen}
}

invalid contains "checks must be a mapping of settings" if {
	cfg
	not is_object(cfg)
	not is_null(cfg)
}

invalid contains "checks.required must list the check names that must succeed" if {
	cfg
	not names(object.get(settings, "required", null))
}

names(xs) if {
	is_array(xs)
	count([x | some x in xs; not is_string(x)]) == 0
}

deny contains {"msg": msg, "id": "checks.invalid_setting", "details": {"problems": sorted}} if {
	count(invalid) > 0
	sorted := sort(invalid)
	msg := concat("", ["invalid checks settings: ", concat("; ", sorted)])
}
