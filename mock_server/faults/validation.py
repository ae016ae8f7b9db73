"""Validation holes: the body the validation sees is not the body that was sent."""

from __future__ import annotations

from typing import Any

from mock_server.faults.registry import facts, request_fault


@request_fault(
    "missing-subject-accepted",
    "a missing {f.required!r} is stored as a default",
    "negative_data_rejection",
)
def missing_subject_accepted(body: dict[str, Any]) -> dict[str, Any]:
    required = facts().required
    return body if required in body else {**body, required: "(no subject)"}


@request_fault(
    "overlong-truncated",
    "strings over the limit are cut short instead of rejected",
    "negative_data_rejection",
)
def overlong_truncated(body: dict[str, Any]) -> dict[str, Any]:
    limits = facts().limits
    return {
        k: v[: limits[k]] if isinstance(v, str) and limits.get(k) is not None else v
        for k, v in body.items()
    }


@request_fault(
    "null-as-blank",
    "null in an optional field is stored as an empty string",
    "negative_data_rejection",
)
def null_as_blank(body: dict[str, Any]) -> dict[str, Any]:
    required = facts().required
    return {k: "" if v is None and k != required else v for k, v in body.items()}


@request_fault(
    "unknown-fields-ignored",
    "properties the contract does not define are dropped silently",
    "negative_data_rejection",
)
def unknown_fields_ignored(body: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in body.items() if k in facts().limits}
