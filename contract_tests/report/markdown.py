"""The report as markdown (--report PATH): for a pull request, a wiki, a CI summary."""

from __future__ import annotations

from contract_tests.report.console import indented
from contract_tests.report.model import Group, Report


def _inline_code(text: str) -> str:
    return text.replace("`", "'").replace("\n", " ")


def _markdown_group(group: Group, noun: str) -> list[str]:
    out = ["", f"### `{group.name}`", "", f"{group.description}. {group.counted(noun)}.", ""]
    for example in group.examples:
        out.append(f"- **{example.message}**")
        if example.command:
            out += [
                f"  - request: {example.request}",
                "",
                "    ```sh",
                *indented(example.command, "    "),
                "    ```",
                "",
                f"  - response: `{_inline_code(example.response)}`",
            ]
        if example.other_command:
            out += [
                "  - the same request to the mock:",
                "",
                "    ```sh",
                *indented(example.other_command, "    "),
                "    ```",
                "",
                f"  - the mock's response: `{_inline_code(example.other_response)}`",
            ]
    return out


def markdown(report: Report) -> str:
    out = [
        "# Contract test report",
        "",
        f"**{report.summary}**",
        "",
        *(f"- {name}: {value}" for name, value in report.facts),
    ]
    if report.replay:
        out.append(f"- Replay: `{report.replay}`")
    out += ["", "## Checks", "", "| check | family | result | |", "|---|---|---|---|"]
    out += [f"| `{r.name}` | {r.family} | {r.state} | {r.note} |" for r in report.checks]
    out += [
        "",
        "## Warnings",
        "",
        "Answers the contract allows but that break clients; they do not fail the run "
        "unless `--warnings-as-errors`.",
        "",
        "| warning | family | result | |",
        "|---|---|---|---|",
    ]
    out += [f"| `{r.name}` | {r.family} | {r.state} | {r.note} |" for r in report.warnings]
    out += ["", "## Status codes", "", "| code | description | seen | |", "|---|---|---|---|"]
    out += [f"| {s.code} | {s.description} | {s.seen} | {s.note} |" for s in report.statuses]
    if report.coverage is not None:
        out += ["", "## Input coverage", "", f"{report.coverage.line(0)}.", ""]
        out += ["| family | cell | calls |", "|---|---|---|"]
        out += [
            f"| {cell.family} | {_inline_code(cell.name)} | {count or '**not sent**'} |"
            for cell, count in report.coverage.rows
        ]
    if report.time:
        out += ["", "## Time", "", "| phase | requests | seconds | |", "|---|---|---|---|"]
        out += [f"| {p} | {n} | {t:.1f} | {e} |" for p, n, t, e in report.time]
    if report.unsent:
        out += ["", "## Cases not sent", "", *(f"- {_inline_code(why)}" for why in report.unsent)]
    if report.failures:
        out += ["", "## Failures"]
        for group in report.failures:
            out += _markdown_group(group, "failure")
    if report.raised:
        out += ["", "## Warnings raised"]
        for group in report.raised:
            out += _markdown_group(group, "warning")
    return "\n".join(out) + "\n"
