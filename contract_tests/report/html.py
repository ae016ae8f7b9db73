"""The report as one HTML page (--report PATH.html), failures collapsed by check."""

from __future__ import annotations

import html as html_escape
from collections.abc import Sequence

from contract_tests.model import FAILED, NOT_RUN, PASSED, WARNED
from contract_tests.report.model import Group, Report, Row

_STYLE = """
body{font:15px/1.45 system-ui,sans-serif;margin:2em auto;max-width:70em;padding:0 1em;color:#222}
table{border-collapse:collapse;margin:1em 0}
td,th{border:1px solid #ccc;padding:.3em .6em;text-align:left}
pre{background:#f5f5f5;padding:.8em;overflow-x:auto;white-space:pre-wrap}
details{margin:.6em 0}summary{cursor:pointer}
.failed{color:#b00;font-weight:bold}.passed{color:#070}.notrun{color:#777}
.warned{color:#a60;font-weight:bold}
"""
_CLASS = {PASSED: "passed", FAILED: "failed", NOT_RUN: "notrun", WARNED: "warned"}


def _html_table(heading: str, rows: Sequence[Row], first: str) -> list[str]:
    e = html_escape.escape
    parts = [
        f"<h2>{heading}</h2><table><tr><th>{first}</th><th>family</th><th>result</th><th></th></tr>"
    ]
    for r in rows:
        parts.append(
            f"<tr><td><code>{e(r.name)}</code></td><td>{e(r.family)}</td>"
            f"<td class='{_CLASS[r.state]}'>{e(r.state)}</td><td>{e(r.note)}</td></tr>"
        )
    parts.append("</table>")
    return parts


def _html_group(group: Group, noun: str, css: str) -> list[str]:
    """One check's (or warning's) examples, collapsed under a line that counts them."""
    e = html_escape.escape
    parts = [
        f"<details><summary><code>{e(group.name)}</code>: {e(group.counted(noun))}</summary>",
        f"<p>{e(group.description)}.</p>",
    ]
    for example in group.examples:
        parts.append(f"<p class='{css}'>{e(example.message)}</p>")
        if example.command:
            parts += [
                f"<p>Request: {e(example.request)}</p>",
                f"<pre>{e(example.command)}</pre>",
                f"<p>Response:</p><pre>{e(example.response)}</pre>",
            ]
        if example.other_command:
            parts += [
                f"<p>The same request to the mock:</p><pre>{e(example.other_command)}</pre>",
                f"<p>The mock's response:</p><pre>{e(example.other_response)}</pre>",
            ]
    parts.append("</details>")
    return parts


def html(report: Report) -> str:
    e = html_escape.escape
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'>",
        f"<title>Contract test report</title><style>{_STYLE}</style></head><body>",
        "<h1>Contract test report</h1>",
        f"<p><strong>{e(report.summary)}</strong></p><ul>",
        *(f"<li>{e(name)}: {e(value)}</li>" for name, value in report.facts),
    ]
    if report.replay:
        parts.append(f"<li>Replay: <code>{e(report.replay)}</code></li>")
    parts.append("</ul>")
    parts += _html_table("Checks", report.checks, "check")
    parts += _html_table("Warnings", report.warnings, "warning")
    parts.append(
        "<h2>Status codes</h2><table>"
        "<tr><th>code</th><th>description</th><th>seen</th><th></th></tr>"
    )
    for s in report.statuses:
        parts.append(
            f"<tr><td>{s.code}</td><td>{e(s.description)}</td><td>{s.seen}</td>"
            f"<td>{e(s.note)}</td></tr>"
        )
    parts.append("</table>")
    if report.coverage is not None:
        parts.append(f"<h2>Input coverage</h2><p>{e(report.coverage.line(0))}.</p>")
        parts.append("<table><tr><th>family</th><th>cell</th><th>calls</th></tr>")
        for cell, count in report.coverage.rows:
            shown = str(count) if count else "<span class='failed'>not sent</span>"
            parts.append(
                f"<tr><td>{e(cell.family)}</td><td>{e(cell.name)}</td><td>{shown}</td></tr>"
            )
        parts.append("</table>")
    if report.time:
        parts.append(
            "<h2>Time</h2><table><tr><th>phase</th><th>requests</th><th>seconds</th><th></th></tr>"
        )
        for phase, requests, seconds, ending in report.time:
            parts.append(
                f"<tr><td>{e(phase)}</td><td>{requests}</td><td>{seconds:.1f}</td>"
                f"<td>{e(ending)}</td></tr>"
            )
        parts.append("</table>")
    if report.unsent:
        parts.append("<h2>Cases not sent</h2><ul>")
        parts += [f"<li>{e(why)}</li>" for why in report.unsent]
        parts.append("</ul>")
    if report.failures:
        parts.append("<h2>Failures</h2>")
        for group in report.failures:
            parts += _html_group(group, "failure", "failed")
    if report.raised:
        parts.append("<h2>Warnings raised</h2>")
        for group in report.raised:
            parts += _html_group(group, "warning", "warned")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"
