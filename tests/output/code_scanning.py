"""GitHub code scanning's documented upload requirements for SARIF, as a checker the tests run.

Sources (read for the facts, June 2025):
- docs.github.com, "SARIF support for code scanning": required properties — sarifLog `$schema`, `version`
  2.1.0, `runs[]`; run `tool.driver.name`, `tool.driver.rules[]`, `results[]`; reportingDescriptor `id`,
  `shortDescription.text`, `fullDescription.text` (at most 1,000 characters), `help.text`; result
  `message.text`, `locations[]` ("at least one location is required for code scanning to display a
  result", up to 10 of which only the first is used), `partialFingerprints`; location `physicalLocation`;
  physicalLocation `artifactLocation.uri` (relative to the repository root, or absolute) and
  `region.startLine`/`startColumn`/`endLine`/`endColumn`; `properties.security-severity` a string holding a
  score between 0.0 and 10.0; `properties.precision` one of very-high, high, medium, low;
  `properties.problem.severity` one of error, warning, recommendation; `automationDetails.id` read as
  `category/run-id`.
- docs.github.com, "SARIF results exceed one or more limits": hard limits per file — 20 runs, 25,000
  results per run, 25,000 rules per run, 100 tool extensions per run, 1,000 locations per result,
  20 tags per rule; and "SARIF file is too large": 10 MB gzip-compressed.
- github/codeql-action upload-lib: every run must carry a `results` array; processing rejects a result
  without an artifact location ("locationFromSarifResult: expected artifact location"), an invalid
  location URI, a non-numeric security-severity; one category per tool in an upload.
"""

from __future__ import annotations

import gzip
import json
import re
from typing import Any

MAX_RUNS, MAX_RESULTS, MAX_RULES, MAX_EXTENSIONS = 20, 25_000, 25_000, 100
MAX_LOCATIONS, MAX_TAGS, MAX_FULL_DESCRIPTION, MAX_GZIP_BYTES = 1_000, 20, 1_000, 10 * 1024 * 1024
PRECISIONS = {"very-high", "high", "medium", "low"}
PROBLEM_SEVERITIES = {"error", "warning", "recommendation"}
LEVELS = {"none", "note", "warning", "error"}
_URI = re.compile(r"^(?:[A-Za-z][A-Za-z0-9+.-]*:)?[^\s\\\"<>^`{|}]*$")


def _text(node: Any, key: str) -> str | None:
    inner = node.get(key) if isinstance(node, dict) else None
    text = inner.get("text") if isinstance(inner, dict) else None
    return text if isinstance(text, str) and text.strip() else None


def _region_problems(where: str, region: Any) -> list[str]:
    if not isinstance(region, dict):
        return [f"{where}.region: required"]
    problems = []
    for key in ("startLine", "startColumn", "endLine", "endColumn"):
        value = region.get(key)
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            problems.append(f"{where}.region.{key}: a positive integer is required, found {value!r}")
    if not problems and (region["endLine"], region["endColumn"]) < (region["startLine"], region["startColumn"]):
        problems.append(f"{where}.region: ends before it starts")
    return problems


def _location_problems(where: str, location: Any) -> list[str]:
    physical = location.get("physicalLocation") if isinstance(location, dict) else None
    if not isinstance(physical, dict):
        return [f"{where}.physicalLocation: required"]
    artifact = physical.get("artifactLocation")
    uri = artifact.get("uri") if isinstance(artifact, dict) else None
    problems = []
    if not isinstance(uri, str) or not uri:
        problems.append(f"{where}.physicalLocation.artifactLocation.uri: required")
    elif not _URI.match(uri) or re.match(r"^[A-Za-z]:[\\/]", uri):
        problems.append(f"{where}.physicalLocation.artifactLocation.uri: not a URI: {uri!r}")
    elif ":" in uri.split("/")[0] and not uri.startswith(("file:", "http:", "https:")):
        problems.append(f"{where}.physicalLocation.artifactLocation.uri: scheme code scanning cannot map: {uri!r}")
    return problems + _region_problems(f"{where}.physicalLocation", physical.get("region"))


def _rule_problems(where: str, rule: Any) -> list[str]:
    if not isinstance(rule, dict) or not isinstance(rule.get("id"), str) or not rule["id"]:
        return [f"{where}.id: required"]
    problems = [f"{where}.{key}.text: required" for key in ("shortDescription", "fullDescription", "help")
                if _text(rule, key) is None]
    full = _text(rule, "fullDescription") or ""
    if len(full) > MAX_FULL_DESCRIPTION:
        problems.append(f"{where}.fullDescription.text: {len(full)} characters, at most {MAX_FULL_DESCRIPTION}")
    properties = rule.get("properties", {})
    tags = properties.get("tags", [])
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags) or len(tags) > MAX_TAGS:
        problems.append(f"{where}.properties.tags: at most {MAX_TAGS} strings")
    score = properties.get("security-severity")
    if score is not None:
        try:
            ok = isinstance(score, str) and 0.0 <= float(score) <= 10.0
        except ValueError:
            ok = False
        if not ok:
            problems.append(f"{where}.properties.security-severity: a string score 0.0-10.0, found {score!r}")
    if "precision" in properties and properties["precision"] not in PRECISIONS:
        problems.append(f"{where}.properties.precision: one of {sorted(PRECISIONS)}")
    if "problem.severity" in properties and properties["problem.severity"] not in PROBLEM_SEVERITIES:
        problems.append(f"{where}.properties.problem.severity: one of {sorted(PROBLEM_SEVERITIES)}")
    return problems


def _result_problems(where: str, result: Any, rule_ids: list[str]) -> list[str]:
    if not isinstance(result, dict):
        return [f"{where}: not an object"]
    problems = []
    if _text(result, "message") is None:
        problems.append(f"{where}.message.text: required")
    rule_id, rule_index = result.get("ruleId"), result.get("ruleIndex")
    if rule_id is not None and rule_id not in rule_ids:
        problems.append(f"{where}.ruleId: {rule_id!r} is not a rule of the driver")
    if rule_index is not None and (not isinstance(rule_index, int) or not 0 <= rule_index < len(rule_ids)
                                   or (rule_id is not None and rule_ids[rule_index] != rule_id)):
        problems.append(f"{where}.ruleIndex: does not point at rule {rule_id!r}")
    if result.get("level", "warning") not in LEVELS:
        problems.append(f"{where}.level: one of {sorted(LEVELS)}")
    locations = result.get("locations")
    if not isinstance(locations, list) or not locations:
        problems.append(f"{where}.locations: at least one location is required")
    elif len(locations) > MAX_LOCATIONS:
        problems.append(f"{where}.locations: {len(locations)}, at most {MAX_LOCATIONS}")
    else:
        for i, location in enumerate(locations):
            problems += _location_problems(f"{where}.locations[{i}]", location)
    fingerprints = result.get("partialFingerprints")
    if not isinstance(fingerprints, dict) or not fingerprints or not all(
            isinstance(v, str) and v for v in fingerprints.values()):
        problems.append(f"{where}.partialFingerprints: required (non-empty strings)")
    return problems


def _run_problems(where: str, run: Any) -> list[str]:
    driver = run.get("tool", {}).get("driver") if isinstance(run, dict) else None
    if not isinstance(driver, dict) or not isinstance(driver.get("name"), str) or not driver["name"]:
        return [f"{where}.tool.driver.name: required"]
    problems = []
    rules = driver.get("rules")
    if not isinstance(rules, list):
        problems.append(f"{where}.tool.driver.rules: required")
        rules = []
    elif len(rules) > MAX_RULES:
        problems.append(f"{where}.tool.driver.rules: {len(rules)}, at most {MAX_RULES}")
    for i, rule in enumerate(rules):
        problems += _rule_problems(f"{where}.tool.driver.rules[{i}]", rule)
    if len(run["tool"].get("extensions", [])) > MAX_EXTENSIONS:
        problems.append(f"{where}.tool.extensions: at most {MAX_EXTENSIONS}")
    results = run.get("results")
    if not isinstance(results, list):
        return [*problems, f"{where}.results: required (an array, may be empty)"]
    if len(results) > MAX_RESULTS:
        problems.append(f"{where}.results: {len(results)}, at most {MAX_RESULTS}")
    rule_ids = [r.get("id") for r in rules if isinstance(r, dict)]
    for i, result in enumerate(results):
        problems += _result_problems(f"{where}.results[{i}]", result, rule_ids)
    automation = run.get("automationDetails")
    if automation is not None and not (isinstance(automation, dict) and isinstance(automation.get("id"), str)):
        problems.append(f"{where}.automationDetails.id: a string")
    return problems


def upload_problems(text: str) -> list[str]:
    """Why GitHub code scanning would refuse (or not display) this SARIF file; empty when it accepts it."""
    if len(gzip.compress(text.encode())) > MAX_GZIP_BYTES:
        return ["file: more than 10 MB gzip-compressed"]
    log = json.loads(text)
    problems = []
    if not isinstance(log.get("$schema"), str):
        problems.append("$schema: required")
    if log.get("version") != "2.1.0":
        problems.append("version: must be 2.1.0")
    runs = log.get("runs")
    if not isinstance(runs, list) or not runs:
        return [*problems, "runs: one or more runs are required"]
    if len(runs) > MAX_RUNS:
        problems.append(f"runs: {len(runs)}, at most {MAX_RUNS}")
    categories: set[tuple[str, str]] = set()
    for i, run in enumerate(runs):
        problems += _run_problems(f"runs[{i}]", run)
        if isinstance(run, dict):
            category = str(run.get("automationDetails", {}).get("id", "")).rpartition("/")[0]
            key = (str(run.get("tool", {}).get("driver", {}).get("name")), category)
            if key in categories:
                problems.append(f"runs[{i}]: a second run of the same tool and category")
            categories.add(key)
    return problems
