"""What a run found, for people (terminal, markdown, HTML) and for CI (JUnit XML).

Every failure shows its check, the minimal request as a runnable curl command (keys
masked as environment variables unless --show-token), the status and a body excerpt,
and the seed that replays it.
"""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

from contract_tests import __version__
from contract_tests.config import ENV_PREFIX
from contract_tests.contract import contract, status_name
from contract_tests.http import Request
from contract_tests.runner import FAILED, NOT_RUN, PASSED, Failure, Outcome, Result
from contract_tests.strategies import Keys

# A body beyond this is described rather than pasted into the command.
MAX_CURL_BODY = 64 * 1024
EXCERPT = 300


def _single_quoted(text: str) -> str:
    return "'" + text.replace("'", "'\\''") + "'"


def _double_quoted(text: str) -> str:
    for char in '\\"$`':
        text = text.replace(char, "\\" + char)
    return '"' + text + '"'


_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _xml_safe(text: str) -> str:
    """XML 1.0 cannot hold some characters at all, escaped or not; show them as \\xNN."""
    return _NOT_XML.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def _printable(body: bytes) -> str | None:
    """The body as text when a shell can carry it literally, else None."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if any((ord(c) < 32 and c not in "\t\n") or c == "\x7f" for c in text):
        return None
    return text


def _printf_format(body: bytes) -> str:
    """The body as a printf format: printable ASCII as is, every other byte as octal."""
    out = []
    for byte in body:
        char = chr(byte)
        if char == "%":
            out.append("%%")
        elif char == "\\":
            out.append("\\\\")
        elif 32 <= byte < 127 and char != "'":
            out.append(char)
        else:
            out.append(f"\\{byte:03o}")
    return "".join(out)


@dataclass(frozen=True)
class Secrets:
    """The keys of a run and the environment variables that stand in for them."""

    keys: dict[str, str]
    show: bool = False

    def header(self, name: str, value: str) -> str:
        if not self.show:
            for key, variable in self.keys.items():
                if key in value:
                    # NUL never occurs in a header: it marks where the variable goes.
                    marked = _double_quoted(f"{name}: {value}".replace(key, "\0"))
                    return marked.replace("\0", "${" + variable + "}")
        return _single_quoted(f"{name}: {value}")


def key_secrets(keys: Keys, show: bool = False) -> Secrets:
    """The keys given, each with the environment variable that stands in for it."""
    variables = {
        key: ENV_PREFIX + name
        for key, name in (
            (keys.token, "TOKEN"),
            (keys.admin, "ADMIN_TOKEN"),
            (keys.non_staff, "NON_STAFF_TOKEN"),
        )
        if key
    }
    return Secrets(variables, show)


def secrets_of(outcome: Outcome) -> Secrets:
    return key_secrets(outcome.keys, outcome.config.show_token)


def curl(request: Request, secrets: Secrets, insecure: bool = False) -> str:
    """A shell command that sends exactly this request."""
    parts = [
        f"curl -sS -i{'k' if insecure else ''} -X {request.method} {_single_quoted(request.url)}"
    ]
    has_type = False
    for name, value in request.headers:
        parts.append("-H " + secrets.header(name, value))
        has_type = has_type or name.lower() == "content-type"
    if not has_type:
        parts.append("-H 'Content-Type:'")  # curl would add a form content type otherwise
    body = request.body
    prefix = ""
    if len(body) > MAX_CURL_BODY:
        head = body[:60].decode("utf-8", "replace")
        parts.append(f"--data-binary @body.bin  # {len(body)} bytes, starting {head!r}")
    elif (text := _printable(body)) is not None:
        parts.append("--data-binary " + _single_quoted(text))
    else:
        prefix = f"printf '{_printf_format(body)}' | "
        parts.append("--data-binary @-")
    return prefix + " \\\n  ".join(parts)


def replay_command(outcome: Outcome) -> str:
    c = outcome.config
    parts = ["contacts-contract"]
    if not outcome.embedded:
        parts += ["--base-url", outcome.target]
    if c.insecure:
        parts.append("--insecure")
    parts += ["--seed", str(outcome.seed), "--max-examples", str(c.max_examples)]
    return " ".join(parts)


def _where(failure: Failure) -> str:
    how = "shrunk to a minimal request" if failure.minimal else "as sent"
    if failure.flaky:
        how += "; it did not fail again when replayed (flaky)"
    return f"{failure.label}, {failure.credential} ({failure.phase}; {how})"


def _excerpt(failure: Failure) -> str:
    if failure.response is None:
        return "(no response)"
    text = failure.response.text(EXCERPT)
    return f"{failure.response.status} {text}" if text else str(failure.response.status)


def _counts(outcome: Outcome) -> str:
    states = [r.state for r in outcome.results]
    return (
        f"{states.count(PASSED)} passed, {states.count(FAILED)} failed, "
        f"{states.count(NOT_RUN)} not run"
    )


def _summary_line(outcome: Outcome) -> str:
    verdict = "the contract holds" if outcome.ok else "the contract is broken"
    return f"{verdict}: {_counts(outcome)} of {len(outcome.results)} checks"


def _speed(outcome: Outcome) -> str:
    rate = outcome.requests / outcome.duration if outcome.duration else 0.0
    return f"{outcome.requests} requests in {outcome.duration:.1f} s ({rate:.0f}/s)"


def _target(outcome: Outcome) -> str:
    return f"{outcome.target} (embedded mock)" if outcome.embedded else outcome.target


def _result_note(result: Result) -> str:
    if result.state == NOT_RUN:
        return result.note
    calls = f"{result.runs} call{'' if result.runs == 1 else 's'}"
    if result.state == FAILED:
        return f"{calls}, {len(result.failures)} failing example(s)"
    return calls


def _state(result: Result) -> str:
    return result.state.upper() if result.state == FAILED else result.state


def _status_rows(outcome: Outcome) -> list[tuple[str, str, int, str]]:
    c = contract()
    rows = []
    for code in sorted(set(outcome.documented) | set(outcome.statuses)):
        seen = outcome.statuses.get(code, 0)
        if code not in outcome.documented:
            note = "NOT DOCUMENTED"
        elif code in outcome.required:
            note = "required" if seen else "required, NEVER SEEN"
        else:
            note = ""
        rows.append((str(code), c.descriptions.get(code) or status_name(code), seen, note))
    return rows


# --- terminal -----------------------------------------------------------------------------


def terminal(outcome: Outcome) -> str:
    secrets = secrets_of(outcome)
    lines = [
        f"contacts-contract {__version__}: {_target(outcome)}, seed {outcome.seed}",
        "  " + ", ".join(f"{name} {n}" for name, n in outcome.phases.items()),
        "  " + _speed(outcome),
        "",
    ]
    width = max(len(r.name) for r in outcome.results)
    for r in outcome.results:
        lines.append(f"  {_state(r):<8} {r.name:<{width}}  {_result_note(r)}")
    lines += ["", "Status codes"]
    for code, description, seen, note in _status_rows(outcome):
        lines.append(f"  {code}  {seen:>6}  {note:<20} {description}")
    for number, r in enumerate(outcome.failed, 1):
        first = r.failures[0]
        lines += ["", f"{number}. {r.name}: {first.message}"]
        if first.request is not None:
            lines.append(f"   request: {_where(first)}")
            lines += [
                "   " + line
                for line in curl(first.request, secrets, outcome.config.insecure).splitlines()
            ]
            lines.append(f"   response: {_excerpt(first)}")
        if len(r.failures) > 1:
            lines.append(f"   ({len(r.failures) - 1} more failing example(s) in the report)")
    if outcome.failed:
        lines += ["", f"Replay: {replay_command(outcome)}"]
    lines += ["", _summary_line(outcome)]
    return "\n".join(lines)


def _inline_code(text: str) -> str:
    return text.replace("`", "'").replace("\n", " ")


# --- markdown -----------------------------------------------------------------------------


def markdown(outcome: Outcome) -> str:
    secrets = secrets_of(outcome)
    out = [
        "# Contract test report",
        "",
        f"**{_summary_line(outcome)}**",
        "",
        f"- Target: {_target(outcome)}",
        f"- Seed: `{outcome.seed}` (replay: `{replay_command(outcome)}`)",
        f"- Examples: {', '.join(f'{name} {n}' for name, n in outcome.phases.items())}",
        f"- {_speed(outcome)}",
        "",
        "## Checks",
        "",
        "| check | family | result | |",
        "|---|---|---|---|",
    ]
    for r in outcome.results:
        out.append(f"| `{r.name}` | {r.check.family} | {r.state} | {_result_note(r)} |")
    out += ["", "## Status codes", "", "| code | description | seen | |", "|---|---|---|---|"]
    for code, description, seen, note in _status_rows(outcome):
        out.append(f"| {code} | {description} | {seen} | {note} |")
    if outcome.failed:
        out += ["", "## Failures"]
    for r in outcome.failed:
        out += ["", f"### `{r.name}`", "", f"{r.check.description}.", ""]
        for failure in r.failures[:5]:
            out.append(f"- **{failure.message}**")
            if failure.request is not None:
                out += [
                    f"  - request: {_where(failure)}",
                    "",
                    "    ```sh",
                    *(
                        "    " + line
                        for line in curl(
                            failure.request, secrets, outcome.config.insecure
                        ).splitlines()
                    ),
                    "    ```",
                    "",
                    f"  - response: `{_inline_code(_excerpt(failure))}`",
                ]
        if len(r.failures) > 5:
            out.append(f"- and {len(r.failures) - 5} more")
    return "\n".join(out) + "\n"


# --- HTML ---------------------------------------------------------------------------------

_STYLE = """
body{font:15px/1.45 system-ui,sans-serif;margin:2em auto;max-width:70em;padding:0 1em;color:#222}
table{border-collapse:collapse;margin:1em 0}
td,th{border:1px solid #ccc;padding:.3em .6em;text-align:left}
pre{background:#f5f5f5;padding:.8em;overflow-x:auto;white-space:pre-wrap}
.failed{color:#b00;font-weight:bold}.passed{color:#070}.notrun{color:#777}
"""


def html_report(outcome: Outcome) -> str:
    secrets = secrets_of(outcome)
    e = html.escape
    state_class = {PASSED: "passed", FAILED: "failed", NOT_RUN: "notrun"}
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'>",
        f"<title>Contract test report</title><style>{_STYLE}</style></head><body>",
        "<h1>Contract test report</h1>",
        f"<p><strong>{e(_summary_line(outcome))}</strong></p><ul>",
        f"<li>Target: {e(_target(outcome))}</li>",
        f"<li>Seed: <code>{outcome.seed}</code>",
        f"(replay: <code>{e(replay_command(outcome))}</code>)</li>",
        f"<li>Examples: {e(', '.join(f'{n} {c}' for n, c in outcome.phases.items()))}</li>",
        f"<li>{e(_speed(outcome))}</li></ul>",
        "<h2>Checks</h2><table><tr><th>check</th><th>family</th><th>result</th><th></th></tr>",
    ]
    for r in outcome.results:
        parts.append(
            f"<tr><td><code>{e(r.name)}</code></td><td>{e(r.check.family)}</td>"
            f"<td class='{state_class[r.state]}'>{e(r.state)}</td>"
            f"<td>{e(_result_note(r))}</td></tr>"
        )
    parts.append(
        "</table><h2>Status codes</h2><table>"
        "<tr><th>code</th><th>description</th><th>seen</th><th></th></tr>"
    )
    for code, description, seen, note in _status_rows(outcome):
        parts.append(
            f"<tr><td>{code}</td><td>{e(description)}</td><td>{seen}</td><td>{e(note)}</td></tr>"
        )
    parts.append("</table>")
    if outcome.failed:
        parts.append("<h2>Failures</h2>")
    for r in outcome.failed:
        parts.append(f"<h3><code>{e(r.name)}</code></h3><p>{e(r.check.description)}.</p>")
        for failure in r.failures[:5]:
            parts.append(f"<p class='failed'>{e(failure.message)}</p>")
            if failure.request is not None:
                parts += [
                    f"<p>Request: {e(_where(failure))}</p>",
                    f"<pre>{e(curl(failure.request, secrets, outcome.config.insecure))}</pre>",
                    f"<p>Response:</p><pre>{e(_excerpt(failure))}</pre>",
                ]
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def failure_text(outcome: Outcome, result: Result) -> str:
    """One failed check in full: each failing example, then how to replay the run."""
    secrets = secrets_of(outcome)
    lines = [f"{result.name}: {result.check.description}"]
    for failure in result.failures[:5]:
        lines += ["", failure.message]
        if failure.request is not None:
            lines += [
                f"request: {_where(failure)}",
                curl(failure.request, secrets, outcome.config.insecure),
            ]
            lines.append(f"response: {_excerpt(failure)}")
    if len(result.failures) > 5:
        lines.append(f"... and {len(result.failures) - 5} more")
    lines += ["", f"replay: {replay_command(outcome)}"]
    return "\n".join(lines)


def case_text(where: str, failures: list[Failure], secrets: Secrets, insecure: bool) -> str:
    """A case that broke the contract: each check it failed, then its request and answer."""
    first = failures[0]
    lines = [f"case {first.label!r} ({where}) broke {len(failures)} check(s):"]
    lines += [f"  {failure.check}: {failure.message}" for failure in failures]
    if first.request is not None:
        lines += [
            f"request ({first.credential}):",
            curl(first.request, secrets, insecure),
            f"response: {_excerpt(first)}",
        ]
    return "\n".join(lines)


# --- JUnit XML ----------------------------------------------------------------------------


def junit(outcome: Outcome) -> str:
    suite = ET.Element(
        "testsuite",
        name="contacts-contract",
        tests=str(len(outcome.results)),
        failures=str(len(outcome.failed)),
        errors="0",
        skipped=str(sum(r.state == NOT_RUN for r in outcome.results)),
        time=f"{outcome.duration:.3f}",
    )
    properties = ET.SubElement(suite, "properties")
    for name, value in (
        ("target", outcome.target),
        ("seed", str(outcome.seed)),
        ("max_examples", str(outcome.config.max_examples)),
        ("requests", str(outcome.requests)),
    ):
        ET.SubElement(properties, "property", name=name, value=value)
    for r in outcome.results:
        case = ET.SubElement(
            suite,
            "testcase",
            classname=f"contacts-contract.{r.check.family}",
            name=r.name,
            time="0",
        )
        if r.state == NOT_RUN:
            ET.SubElement(case, "skipped", message=f"not run: {r.note}")
        elif r.state == FAILED:
            message = _xml_safe(r.failures[0].message)
            element = ET.SubElement(case, "failure", message=message, type=r.name)
            element.text = _xml_safe(failure_text(outcome, r))
    root = ET.Element("testsuites")
    root.append(suite)
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


def write(outcome: Outcome, junit_path: Path | None, report_path: Path | None) -> None:
    """Write the files the configuration asks for."""
    if junit_path is not None:
        _write(junit_path, junit(outcome))
    if report_path is not None:
        text = (
            html_report(outcome)
            if report_path.suffix.lower() in (".html", ".htm")
            else markdown(outcome)
        )
        _write(report_path, text)


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
