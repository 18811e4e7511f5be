"""What a SARIF result's rule says: which rule it is, how severe, what kind of finding, which advisory.

SARIF leaves severity, identity and category to convention. These follow GitHub code
scanning (a `security-severity` score in CVSS bands, else the level) and the producers'
own conventions for category (Trivy's tags, gitleaks, Checkov and KICS rule metadata).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from relgate.sources.shape import Node

LEVELS = ("none", "note", "warning", "error")
_LEVEL_SEVERITY = {"error": "high", "warning": "medium", "note": "low", "none": "low"}
_CVE = re.compile(r"(?<![A-Za-z0-9])CVE-\d{4}-\d{4,}(?!\d)", re.IGNORECASE)
_GHSA = re.compile(r"(?<![A-Za-z0-9])GHSA((?:-[23456789cfghjmpqrvwx]{4}){3})(?![A-Za-z0-9])", re.IGNORECASE)


@dataclass(frozen=True)
class Rule:
    """The parts of a reportingDescriptor the gate uses, checked once when the run is read."""

    id: str
    node: Node
    score: float | None = None
    level: str | None = None
    tags: tuple[str, ...] = ()
    advisory: str | None = None  # the CVE/GHSA its name, properties or help URI names, if any


@dataclass
class RuleTable:
    """A run's rules: the driver's and each extension's, in SARIF's indexing."""

    driver: list[Rule]
    extensions: list[list[Rule]] = field(default_factory=list)
    extension_names: list[str] = field(default_factory=list)
    driver_name: str = ""


def read_rule(node: Node) -> Rule:
    rule = node.as_object()
    rule_id = rule.string("id", required=True) or ""
    rule.string("name")
    properties = rule.obj("properties")
    tags: tuple[str, ...] = ()
    score = None
    if properties is not None:
        tags = tuple(properties.strings("tags"))
        score = security_severity(properties)
    configuration = rule.obj("defaultConfiguration")
    level = configuration.enum("level", LEVELS) if configuration is not None else None
    value = rule.value
    places = [str(value.get("name") or ""), *_strings(value.get("properties")), str(value.get("helpUri") or "")]
    named = next((found for found in map(advisory, places) if found), None)
    return Rule(rule_id, rule, score, level, tags, named)


def read_rules(tool: Node) -> RuleTable:
    driver = tool.obj("driver", required=True)
    assert driver is not None
    name = driver.string("name", required=True) or ""
    table = RuleTable([read_rule(r) for r in driver.array("rules") or []], driver_name=name)
    for extension in tool.objects("extensions"):
        table.extension_names.append(extension.string("name", required=True) or "")
        table.extensions.append([read_rule(r) for r in extension.array("rules") or []])
    return table


def security_severity(properties: Node) -> float | None:
    """GitHub's `security-severity`: a CVSS score 0.0-10.0, usually as a string; 0.0 (CVSS "None") is no score."""
    found = properties.child("security-severity")
    if found is None:
        return None
    value = found.value
    score: float | None = None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        score = float(value)
    elif isinstance(value, str):
        try:
            score = float(value.strip())
        except ValueError:
            score = None
    if score is None or not math.isfinite(score) or not 0.0 <= score <= 10.0:
        found.expected("a CVSS score from 0.0 to 10.0")
    return score if score > 0.0 else None


def cvss_band(score: float) -> str:
    """GitHub's bands for `security-severity`: 9.0 critical, 7.0 high, 4.0 medium, else low."""
    if score >= 9.0:
        return "critical"
    if score >= 7.0:
        return "high"
    if score >= 4.0:
        return "medium"
    return "low"


def severity(result_score: float | None, result_level: str | None, rule: Rule | None) -> str:
    """Score (the result's, then the rule's), else the level (the result's, then the rule's default, then warning)."""
    for score in (result_score, rule.score if rule else None):
        if score is not None:
            return cvss_band(score)
    level = result_level or (rule.level if rule else None) or "warning"
    return _LEVEL_SEVERITY[level]


def category(table: RuleTable, rule: Rule | None, rule_id: str | None, kics_secret_taxa: frozenset[str]) -> str | None:
    """The producer's own word for the kind of finding; None for what is not a security finding (licenses)."""
    tool = table.driver_name.strip().lower()
    tags = {t.lower() for t in rule.tags} if rule else set()
    if tool == "trivy":
        # Trivy tags each rule with what it found: vulnerability, misconfiguration, secret or license.
        if "license" in tags:
            return None
        if "secret" in tags:
            return "secret"
        return "misconfiguration" if "misconfiguration" in tags else "vulnerability"
    if tool == "gitleaks":
        return "secret"
    if tool in ("checkov", "prisma cloud"):
        identifier = rule_id or ""
        if identifier.upper().startswith("CKV_SECRET"):
            return "secret"
        return "vulnerability" if advisory(identifier) else "misconfiguration"
    if tool == "kics":
        return "secret" if rule is not None and _kics_taxa(rule) & kics_secret_taxa else "misconfiguration"
    return "vulnerability"


def _kics_taxa(rule: Rule) -> set[str]:
    """Ids of the taxa a KICS rule points at through `relationships[].target`."""
    ids: set[str] = set()
    for relationship in rule.node.objects("relationships"):
        target = relationship.obj("target")
        if target is not None:
            found = target.string("id")
            if found:
                ids.add(found)
    return ids


def kics_secret_taxa(run: Node) -> frozenset[str]:
    """KICS files secret findings under its "Secret Management" category taxon."""
    ids: set[str] = set()
    for taxonomy in run.objects("taxonomies"):
        if taxonomy.string("name") != "Categories":
            continue
        for taxon in taxonomy.objects("taxa"):
            if taxon.string("name") == "Secret Management":
                ids.add(taxon.string("id", required=True) or "")
    return frozenset(ids)


def advisory(text: str) -> str | None:
    cve = _CVE.search(text)
    if cve:
        return cve.group(0).upper()
    ghsa = _GHSA.search(text)
    return f"GHSA{ghsa.group(1).lower()}" if ghsa else None


def _strings(value: object) -> list[str]:
    pending, out = [value], []
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            out.append(item)
        elif isinstance(item, dict):
            pending.extend(reversed(list(item.values())))
        elif isinstance(item, list):
            pending.extend(reversed(item))
    return out


def finding_id(rule_id: str | None, rule: Rule | None, message: str) -> str:
    """The CVE/GHSA when the rule id or the rule's metadata names one, else the rule id."""
    found = advisory(rule_id or "") or (rule.advisory if rule is not None else None)
    if found:
        return found
    # Without any rule id (gitleaks 7), the message is the most specific name left.
    return rule_id or message.split("\n", 1)[0][:200] or "unknown"
