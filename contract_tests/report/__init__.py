"""What a run found, for people (terminal, markdown, HTML) and for CI (JUnit XML).

One model of the run, `Report`, is built once (`from_outcome`, `from_findings`, or `model`
for any judged calls); one small module per renderer prints it. Shell quoting and the
masking of keys sit beside them (`shell`, `secrets`).
"""

from contract_tests.report.console import case_text, console, group_text
from contract_tests.report.files import write, write_files
from contract_tests.report.html import html
from contract_tests.report.junit import junit
from contract_tests.report.markdown import markdown
from contract_tests.report.model import Example, Group, Report, from_findings, from_outcome, model
from contract_tests.report.secrets import Secrets, key_secrets
from contract_tests.report.shell import curl

__all__ = [
    "Example",
    "Group",
    "Report",
    "Secrets",
    "case_text",
    "console",
    "curl",
    "from_findings",
    "from_outcome",
    "group_text",
    "html",
    "junit",
    "key_secrets",
    "markdown",
    "model",
    "write",
    "write_files",
]
