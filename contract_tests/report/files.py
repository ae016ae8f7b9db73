"""Writing the report files a run asks for.

The command lines check the paths before a run (`contacts_core.outputs`); a write can
still fail at its end (a full disk): `write_files` then writes every other file and says
which could not be, so what the run found is not lost with it.
"""

from __future__ import annotations

from pathlib import Path

from contract_tests.report.html import html
from contract_tests.report.junit import junit
from contract_tests.report.markdown import markdown
from contract_tests.report.model import Report


def write(report: Report, junit_path: Path | None, report_path: Path | None) -> None:
    """Write the files the configuration asks for; raises OSError when one cannot be."""
    for path, text in _files(report, junit_path, report_path):
        _write(path, text)


def write_files(report: Report, junit_path: Path | None, report_path: Path | None) -> list[str]:
    """Write the files the configuration asks for, each even when another cannot be
    written; one line for each that could not be, naming it."""
    unwritten = []
    for path, text in _files(report, junit_path, report_path):
        try:
            _write(path, text)
        except OSError as error:
            unwritten.append(f"cannot write {path}: {error.strerror or error}")
    return unwritten


def _files(
    report: Report, junit_path: Path | None, report_path: Path | None
) -> list[tuple[Path, str]]:
    files = []
    if junit_path is not None:
        files.append((junit_path, junit(report)))
    if report_path is not None:
        html_wanted = report_path.suffix.lower() in (".html", ".htm")
        files.append((report_path, html(report) if html_wanted else markdown(report)))
    return files


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
