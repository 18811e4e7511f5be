"""JUnit XML, so CI test-report views show the gate: one test case per policy package."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from relgate.decision import Decision
from relgate.output.escape import xml
from relgate.output.interface import Format


class JunitFormat(Format):
    name = "junit"

    def render(self, decision: Decision, *, colour: bool = False) -> str:
        suite = ET.Element("testsuite", name="relgate")
        failures = errors = skipped = 0
        for error in decision.errors:
            case = ET.SubElement(suite, "testcase", classname="relgate", name="gate")
            ET.SubElement(case, "error", message=xml(error))
            errors += 1
        for package in decision.packages:
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
        suite.set("tests", str(len(suite.findall("testcase"))))
        suite.set("failures", str(failures))
        suite.set("errors", str(errors))
        suite.set("skipped", str(skipped))
        root = ET.Element("testsuites", name="relgate")
        root.append(suite)
        ET.indent(root)
        return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
