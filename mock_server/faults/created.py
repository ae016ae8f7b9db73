"""Faults in the created contact: server-set values and echo."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from mock_server.faults.registry import contact_fault, facts


def _shift(value: Any, delta: timedelta) -> Any:
    if not isinstance(value, str):
        return value
    moved = datetime.fromisoformat(value.replace("Z", "+00:00")) + delta
    return moved.isoformat(timespec="microseconds").replace("+00:00", "Z")


@contact_fault(
    "missing-field",
    "drops {f.last_stamp!r} from the created contact",
    "response_schema_conformance",
)
def missing_field(contact: dict[str, Any], sent: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in contact.items() if k != facts().last_stamp}


@contact_fault("id-as-string", "sends {f.ids[0]!r} as a string", "response_schema_conformance")
def id_as_string(contact: dict[str, Any], sent: dict[str, Any]) -> dict[str, Any]:
    return {**contact, **{n: str(contact[n]) for n in facts().ids}}


@contact_fault("viewed-true", "{f.flags[0]!r} is true on creation", "server_set_values")
def viewed_true(contact: dict[str, Any], sent: dict[str, Any]) -> dict[str, Any]:
    return {**contact, **dict.fromkeys(facts().flags, True)}


@contact_fault("naive-timestamps", "timestamps without a time zone", "timestamps")
def naive_timestamps(contact: dict[str, Any], sent: dict[str, Any]) -> dict[str, Any]:
    return {**contact, **{n: contact[n].rstrip("Z") for n in facts().stamps}}


@contact_fault(
    "created-updated-differ",
    "{f.last_stamp!r} is set a millisecond after {f.first_stamp!r}",
    "timestamps",
)
def created_updated_differ(contact: dict[str, Any], sent: dict[str, Any]) -> dict[str, Any]:
    last = facts().last_stamp
    return {**contact, last: _shift(contact[last], timedelta(milliseconds=1))}


@contact_fault("clock-off", "local time (an hour off) written as UTC", "timestamps")
def clock_off(contact: dict[str, Any], sent: dict[str, Any]) -> dict[str, Any]:
    return {**contact, **{n: _shift(contact[n], timedelta(hours=-1)) for n in facts().stamps}}


@contact_fault(
    "repeated-ids", "two workers share an id counter: every id is given twice", "unique_ids"
)
def repeated_ids(contact: dict[str, Any], sent: dict[str, Any]) -> dict[str, Any]:
    return {**contact, **{n: (contact[n] + 1) // 2 for n in facts().ids}}


@contact_fault("dropped-field", "{f.first_optional!r} is not stored: it comes back empty", "echo")
def dropped_field(contact: dict[str, Any], sent: dict[str, Any]) -> dict[str, Any]:
    return {**contact, facts().first_optional: ""}


@contact_fault(
    "email-lowercased", "email addresses are stored lowercased (shows only with capitals)", "echo"
)
def email_lowercased(contact: dict[str, Any], sent: dict[str, Any]) -> dict[str, Any]:
    return {**contact, **{n: contact[n].lower() for n in facts().emails}}


@contact_fault("trimmed-strings", "surrounding whitespace is stripped from stored values", "echo")
def trimmed_strings(contact: dict[str, Any], sent: dict[str, Any]) -> dict[str, Any]:
    return {k: v.strip() if isinstance(v, str) and k in sent else v for k, v in contact.items()}
