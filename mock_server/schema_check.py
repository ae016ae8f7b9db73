"""A JSON Schema (Draft 4) subset compiled into one plain predicate: valid or not.

jsonschema's `iter_errors` builds error objects and child validators as it walks a
schema, which costs tens of microseconds for a small body. The mock only needs that
walk when a body is invalid (to word the field errors), so valid bodies are accepted by
a predicate built once from the same schema.

Each keyword below does exactly what jsonschema's implementation does (same type tests,
`len`, `re.search`, the same format checker); a schema using any other keyword compiles
to None and the caller keeps jsonschema for every body.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from jsonschema import Draft4Validator

Check = Callable[[Any], bool]

# Keywords that never change whether an instance is valid.
_ANNOTATIONS = frozenset({"title", "description", "example", "examples", "default"})

_TYPES: dict[str, Check] = {
    "string": lambda v: isinstance(v, str),
    "object": lambda v: isinstance(v, dict),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
}


class Unsupported(Exception):
    """The schema uses something this module does not compile."""


def compile_check(schema: Any) -> Check | None:
    """A predicate equal to `Draft4Validator(schema, format_checker=...).is_valid`, or None."""
    try:
        return _compile(schema)
    except Unsupported:
        return None


def _compile(schema: Any) -> Check:
    if not isinstance(schema, dict):
        raise Unsupported(schema)
    if schema.get("type") == "string":
        return _string(schema)
    found = [_keyword(name, value, schema) for name, value in schema.items()]
    return _all([check for check in found if check is not None])


def _string(schema: dict[str, Any]) -> Check:
    """A string schema as one function: its other keywords need not test the type again."""
    others = [
        _keyword(name, value, schema)
        for name, value in schema.items()
        if name not in ("type", "minLength", "maxLength")
    ]
    rest = _all([other for other in others if other is not None])
    shortest = _limit(schema.get("minLength", 0))
    longest = _limit(schema.get("maxLength", float("inf")))

    def string(v: Any) -> bool:
        return isinstance(v, str) and shortest <= len(v) <= longest and rest(v)

    return string


def _limit(value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise Unsupported(value)
    return value


def _all(checks: list[Check]) -> Check:
    if len(checks) == 1:
        return checks[0]

    def check(v: Any) -> bool:
        # A plain loop: all() over a generator costs more, once per field per request.
        for each in checks:  # noqa: SIM110
            if not each(v):
                return False
        return True

    return check


def _keyword(name: str, value: Any, schema: dict[str, Any]) -> Check | None:
    if name in _ANNOTATIONS:
        return None
    if name == "type":
        return _type(value)
    if name in ("minLength", "maxLength"):
        return _length(name, _limit(value))
    if name == "pattern":
        if not isinstance(value, str):
            raise Unsupported(value)
        search = re.compile(value).search
        return lambda v: not isinstance(v, str) or search(v) is not None
    if name == "format":
        return _format(value)
    if name == "anyOf":
        if not isinstance(value, list) or not value:
            raise Unsupported(value)
        return _any([_compile(option) for option in value])
    if name == "required":
        if not isinstance(value, list):
            raise Unsupported(value)
        required = tuple(value)
        return lambda v: not isinstance(v, dict) or all(key in v for key in required)
    if name == "properties":
        return _properties(value)
    if name == "additionalProperties":
        return _additional(value, schema)
    raise Unsupported(name)


def _any(options: list[Check]) -> Check:
    def check(v: Any) -> bool:
        for option in options:  # noqa: SIM110 (a loop: see _all)
            if option(v):
                return True
        return False

    return check


def _format(name: Any) -> Check:
    """FormatChecker.conforms for one format, without its per-call lookups."""
    found = Draft4Validator.FORMAT_CHECKER.checkers.get(name)
    if found is None:
        return lambda v: True  # jsonschema ignores formats it does not know
    function, raises = found

    def check(v: Any) -> bool:
        try:
            return bool(function(v))
        except raises:
            return False

    return check


def _type(value: Any) -> Check:
    names = value if isinstance(value, list) else [value]
    if any(name not in _TYPES for name in names):
        raise Unsupported(value)
    tests = [_TYPES[name] for name in names]
    if len(tests) == 1:
        return tests[0]
    return lambda v: any(test(v) for test in tests)


def _length(name: str, limit: Any) -> Check:
    if name == "minLength":
        return lambda v: not isinstance(v, str) or len(v) >= limit
    return lambda v: not isinstance(v, str) or len(v) <= limit


def _properties(properties: Any) -> Check:
    if not isinstance(properties, dict):
        raise Unsupported(properties)
    compiled = {name: _compile(subschema) for name, subschema in properties.items()}

    def check(v: Any) -> bool:
        if not isinstance(v, dict):
            return True
        for key, item in v.items():
            property_check = compiled.get(key)
            if property_check is not None and not property_check(item):
                return False
        return True

    return check


def _additional(value: Any, schema: dict[str, Any]) -> Check | None:
    if value is True:
        return None
    if value is not False or "patternProperties" in schema:
        raise Unsupported(value)
    known = frozenset(schema.get("properties", {}))
    return lambda v: not isinstance(v, dict) or known.issuperset(v)
