"""JUnit XML, so CI test-report views show the gate: one test case per policy package that took part.

A library package whose `data:` section is absent did not take part and is not
listed (it would read as a passed check). The suite carries the run's `time`
(seconds) and `timestamp` (the evaluation time, as JUnit's schema writes it:
no zone, UTC by convention); per-package times are not measured, so cases have none.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from relgate.decision import Decision
from relgate.output.escape import xml
from relgate.output.interface import Format


def _timestamp(evaluated_at: str) -> str | None:
    """`2026-11-23T12:00:00.5Z` → `2026-11-23T12:00:00`, the form JUnit's XSD gives; None when unknown."""
    stamp = evaluated_at[:19]
    return stamp if len(stamp) == 19 and stamp[10] == "T" else None


def _taking_part(decision: Decision) -> list[str]:
    named = [*decision.packages, *(v.policy for v in (*decision.violations, *decision.warnings))]
    return list(dict.fromkeys(named))


class JunitFormat(Format):
    name = "junit"

    def render(self, decision: Decision, *, colour: bool = False) -> str:
        suite = ET.Element("testsuite", name="relgate")
        failures = errors = skipped = 0
        for error in decision.errors:
            case = ET.SubElement(suite, "testcase", classname="relgate", name="gate")
            ET.SubElement(case, "error", message=xml(error))
            errors += 1
        for package in _taking_part(decision):
            denied = [v for v in decision.violations if v.policy == package]
            warned = [w for w in decision.warnings if w.policy == package]
            if not denied:
                case = ET.SubElement(suite, "testcase", classname="relgate", name=xml(package))
                if warned:
                    out = ET.SubElement(case, "system-out")
                    out.text = "\n".join(f"WARN {xml(w.id)}: {xml(w.msg)}" for w in warned)
            for violation in denied:
                case = ET.SubElement(suite, "testcase", classname=xml(package), name=xml(violation.id))
                failure = ET.SubElement(
                    case, "failure", message=xml(violation.msg), type=xml(violation.enforcement)
                )
                failure.text = "\n".join(xml(f"{k}: {v}") for k, v in violation.details.items())
                failures += 1
        for waived in decision.waived:
            case = ET.SubElement(suite, "testcase", classname=xml(waived.policy), name=xml(waived.id))
            ET.SubElement(case, "skipped", message=xml(f"waived by {waived.waiver_id}"))
            skipped += 1
        counts = {"tests": str(len(suite.findall("testcase"))), "failures": str(failures), "errors": str(errors),
                  "skipped": str(skipped)}
        timing = {}
        if decision.duration_ms is not None:
            timing["time"] = f"{decision.duration_ms / 1000:.3f}"
        stamp = _timestamp(decision.evaluated_at)
        if stamp:
            timing["timestamp"] = stamp
        for key, value in {**counts, **timing}.items():
            suite.set(key, value)
        root = ET.Element("testsuites", {"name": "relgate", **counts,
                                         **({"time": timing["time"]} if "time" in timing else {})})
        root.append(suite)
        ET.indent(root)
        return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
