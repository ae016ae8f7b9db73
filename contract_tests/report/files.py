"""Writing the report files a run asks for."""

from __future__ import annotations

from pathlib import Path

from contract_tests.report.html import html
from contract_tests.report.junit import junit
from contract_tests.report.markdown import markdown
from contract_tests.report.model import Report


def write(report: Report, junit_path: Path | None, report_path: Path | None) -> None:
    """Write the files the configuration asks for."""
    if junit_path is not None:
        _write(junit_path, junit(report))
    if report_path is not None:
        html_wanted = report_path.suffix.lower() in (".html", ".htm")
        _write(report_path, html(report) if html_wanted else markdown(report))


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
