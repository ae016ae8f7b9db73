"""Exit statuses, one mapping for the command line and the pytest plugin.

0  the contract holds
1  the contract is broken (or, with --warnings-as-errors, a warning was raised; with
   --fail-under-coverage, the run's input coverage is under it)
2  usage error: a wrong option, an unreadable case file, a report path that cannot be
   written (checked before the run); or a file that could not be written at the end of a
   run that found nothing wrong (a full disk: the other files are written). A run that
   ended with another status keeps it: a file that cannot be written never hides a
   verdict, nor passes for one
3  could not judge the backend: unreachable, lost mid-run (1 if a check had failed by
   then), the run's own set-up is wrong (a --base-url that serves nothing or
   something else, a key refused on every request), or it sent nothing (--cases-only
   with no case it could send)
4  internal error of the suite: never a verdict on the target
130, 143  interrupted by SIGINT or SIGTERM (what was found is still reported)
"""

from __future__ import annotations

from contacts_core.cases import CaseError
from contract_tests.http import TargetLost, TargetUnreachable
from contract_tests.outcome import Outcome, Verdict

OK, BROKEN, USAGE, NOT_JUDGED, INTERNAL_ERROR = 0, 1, 2, 3, 4
SIGNALLED = {"SIGINT": 130, "SIGTERM": 143}

HELP = """exit status:
  0  the contract holds
  1  the contract is broken (with --warnings-as-errors: or a warning was raised;
     with --fail-under-coverage PCT: or the input coverage is under PCT)
  2  usage error (an option, a case file, a report path); or a file asked for could
     not be written at the end of a run that found nothing wrong (the others are)
  3  could not judge the backend: check the configuration (unreachable, a
     --base-url or key that no correct backend would answer so, or nothing sent:
     --cases-only with no case it could send), or the backend stopped answering
     mid-run (1 if a check had failed by then; reports written)
  4  internal error of the suite, not a verdict on the backend
  130/143  interrupted (SIGINT/SIGTERM); the summary and report files are still written"""


def status(outcome: Outcome) -> int:
    """The exit status of a run that ended with an outcome."""
    if outcome.interrupted is not None:
        return SIGNALLED.get(outcome.interrupted, 130)
    if outcome.verdict is Verdict.HOLDS and outcome.under_coverage:
        return BROKEN
    return {Verdict.HOLDS: OK, Verdict.BROKEN: BROKEN, Verdict.NOT_JUDGED: NOT_JUDGED}[
        outcome.verdict
    ]


def unwritten(status: int) -> int:
    """The exit status of a run that could not write a file it was asked for: its own,
    unless that was 0 (USAGE then). Never BROKEN for a contract that held, and never
    anything else for one that did not."""
    return USAGE if status == OK else status


def for_error(error: BaseException) -> tuple[int, str] | None:
    """The exit status and one line for an error that ended a run before its outcome;
    None for an error the suite does not expect (an internal error)."""
    if isinstance(error, CaseError):
        return USAGE, f"error: {error}"
    if isinstance(error, TargetUnreachable | TargetLost):
        return NOT_JUDGED, f"could not judge the backend: {error}"
    if isinstance(error, OSError) and error.filename is not None:
        return USAGE, f"error: cannot write {error.filename}: {error.strerror}"
    return None
