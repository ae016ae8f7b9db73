"""The report as JUnit XML (--junit-xml PATH): one test case per check, then one per
warning, for CI systems."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from contract_tests.model import NOT_RUN
from contract_tests.report.console import group_text
from contract_tests.report.model import Report

_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _xml_safe(text: str) -> str:
    """XML 1.0 cannot hold some characters at all, escaped or not; show them as \\xNN."""
    return _NOT_XML.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def junit(report: Report) -> str:
    """One test case per check, then one per warning: a warning raised is a passed case
    with the examples in system-out (a failure with --warnings-as-errors)."""
    failed = {g.name: g for g in report.failures}
    raised = {g.name: g for g in report.raised}
    rows = report.checks + report.warnings
    suite = ET.Element(
        "testsuite",
        name="contacts-contract",
        tests=str(len(rows) + bool(report.not_judged) + bool(report.ended_early)),
        failures=str(len(failed) + (len(raised) if report.warnings_fail else 0)),
        errors=str(bool(report.not_judged) + bool(report.ended_early)),
        skipped=str(sum(r.state == NOT_RUN for r in rows)),
        time=f"{report.duration:.3f}",
    )
    properties = ET.SubElement(suite, "properties")
    for name, value in report.properties:
        ET.SubElement(properties, "property", name=name, value=_xml_safe(value))
    if report.not_judged:
        case = ET.SubElement(suite, "testcase", classname="contacts-contract", name="set-up")
        error = ET.SubElement(case, "error", message=_xml_safe(report.not_judged))
        error.text = _xml_safe(report.summary)
    if report.ended_early:
        # A run cut short judged only part of what it would have: never a clean pass.
        case = ET.SubElement(suite, "testcase", classname="contacts-contract", name="run")
        error = ET.SubElement(case, "error", message=_xml_safe(report.ended_early))
        error.text = _xml_safe(report.summary)
    for row in rows:
        warning = row.name in {w.name for w in report.warnings}
        classname = "contacts-contract.warnings" if warning else f"contacts-contract.{row.family}"
        case = ET.SubElement(suite, "testcase", classname=classname, name=row.name, time="0")
        if row.state == NOT_RUN:
            ET.SubElement(case, "skipped", message=f"not run: {row.note}")
        elif row.name in failed or (report.warnings_fail and row.name in raised):
            group = failed.get(row.name) or raised[row.name]
            message = _xml_safe(group.examples[0].message)
            element = ET.SubElement(case, "failure", message=message, type=row.name)
            element.text = _xml_safe(group_text(group, "failure", report.replay))
        elif row.name in raised:
            out = ET.SubElement(case, "system-out")
            out.text = _xml_safe("WARNING " + group_text(raised[row.name], "warning"))
    root = ET.Element("testsuites")
    root.append(suite)
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"
