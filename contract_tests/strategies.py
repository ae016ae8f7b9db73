"""Hypothesis strategies for what Schemathesis does not generate on its own.

Valid bodies: every subset of the optional fields, any Unicode, surrounding whitespace,
lengths at the spec's limits, and the text real users type and backends mangle
(`TYPED_TEXT`). Invalid requests: one defect each (a missing or blank required field, a
wrong type, null, an overlong string, a bad email, an unknown property, JSON that is not
an object, malformed JSON, a wrong content type). Credentials: the ways a request can
fail authentication, keys that resemble a valid key among them.

Every strategy is built from the spec's fields and limits; none names a field. Whether
a generated request is valid is decided later, by the spec's schema (see `oracle`), never
by which strategy made it.
"""

from __future__ import annotations

import string
from collections.abc import Callable
from functools import cache
from typing import Any

from hypothesis import strategies as st

from contacts_core.spec import load_spec
from contract_tests.contract import JSON, Contract, Field
from contract_tests.model import (
    NO_HEADER,
    NO_KEY,
    OTHER_SCHEME,
    SPACES,
    UNKNOWN_KEY,
    Credential,
    Payload,
    credential,
)
from contract_tests.payloads import (
    MALFORMED,
    TYPED_TEXT,
    WRONG_CONTENT_TYPES,
    as_json,
    json_type,
    long_email,
    malformed,
    media_forms,
    repeat,
    with_field,
    without_field,
    wrong_content_type,
)


def unauthenticated(
    token: str, known: frozenset[str], alikes: list[Credential]
) -> st.SearchStrategy[Credential]:
    """Credentials that must get 401: no header, another scheme, no key, an unknown key,
    a key that resembles a valid one."""
    unknown = st.text(string.ascii_letters + string.digits + "-_.", min_size=1, max_size=40)
    unknown = unknown.map(lambda k: f"unknown-{k}").filter(lambda k: k not in known)
    return st.one_of(
        st.just(credential(NO_HEADER)),
        st.just(credential(OTHER_SCHEME, token)),
        st.just(credential(NO_KEY)),
        unknown.map(lambda k: credential(UNKNOWN_KEY, k)),
        unknown.map(lambda k: credential(SPACES, k)),
        st.sampled_from(alikes) if alikes else st.nothing(),
    )


def either(*strategies: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """One of the strategies, each chosen equally often.

    `st.one_of` flattens nested one_ofs into one list of branches, so a strategy made of
    many kinds would crowd out a simple one; this keeps the weights as written.
    """
    return weighted(*((1, strategy) for strategy in strategies))


def weighted(*choices: tuple[int, st.SearchStrategy[Any]]) -> st.SearchStrategy[Any]:
    """One of the strategies, each chosen in proportion to its weight. Shrinking moves
    toward the first one."""
    branches = [strategy for weight, strategy in choices for _ in range(weight)]
    return st.integers(0, len(branches) - 1).flatmap(lambda i: branches[i])


# --- strings --------------------------------------------------------------------------

_PRINTABLE = string.ascii_letters + string.digits + string.punctuation + " "
# Any code point but NUL (which the spec forbids) and lone surrogates (not valid Unicode).
_ANY = st.characters(exclude_categories=["Cs"], exclude_characters="\x00")
_CHARS = st.one_of(st.sampled_from(_PRINTABLE), _ANY, st.sampled_from(" \t\n\r\u00a0\u2003"))
_PADS = ("", " ", "  ", "\t", "\n", " \r\n")


def _lengths(low: int, high: int) -> st.SearchStrategy[int]:
    """Lengths between low and high, often exactly at the limits.

    The plain range comes first: a failure found at a limit then still shrinks to the
    shortest length that fails.
    """
    return st.one_of(st.integers(low, high), st.sampled_from(sorted({high, max(low, high - 1)})))


_TYPED = tuple(sample for samples in TYPED_TEXT.values() for sample in samples)


def typed_text(high: int) -> st.SearchStrategy[str]:
    """A few of the samples, joined as a user would type them, within `high` characters."""
    joined = st.builds(
        lambda parts, glue: glue.join(parts),
        st.lists(st.sampled_from(_TYPED), min_size=1, max_size=3),
        st.sampled_from(("", " ", "\n")),
    )
    return joined.map(lambda text: text[:high])


def strings(low: int, high: int) -> st.SearchStrategy[str]:
    short = st.text(_CHARS, min_size=low, max_size=min(high, 24))
    padded = st.builds(
        lambda a, s, b: a + s + b, st.sampled_from(_PADS), short, st.sampled_from(_PADS)
    )
    long = st.builds(repeat, st.text(_CHARS, min_size=1, max_size=4), _lengths(max(low, 1), high))
    typed = typed_text(high).filter(lambda text: len(text) >= low)
    # The same budget as before, shared: a third of the values are typed text.
    return weighted((2, short), (1, padded), (1, long), (2, typed))


_LOCAL = string.ascii_letters + string.digits + "._%+-" + "éüßÄжŁ"
_LABEL = string.ascii_letters + string.digits + "-" + "äöñ"


def emails(high: int) -> st.SearchStrategy[str]:
    """Addresses of the form local@domain.tld, mixed case, sometimes not ASCII (which the
    oracle leaves open, see contract.PLAIN_EMAIL), sometimes up to the length limit."""
    address = st.builds(
        lambda local, labels, tld: f"{local}@{'.'.join(labels)}.{tld}",
        st.text(_LOCAL, min_size=1, max_size=16),
        st.lists(st.text(_LABEL, min_size=1, max_size=12), min_size=1, max_size=2),
        st.text(string.ascii_letters, min_size=2, max_size=6),
    )
    return st.one_of(address, _lengths(24, high).map(long_email))


def field_values(field: Field) -> st.SearchStrategy[str]:
    """Values the field's schema accepts."""
    values = strings(field.min_length, field.max_length)
    if field.is_email:
        values = st.one_of(emails(field.max_length), st.just(""))
    return values.filter(field.accepts)


# --- valid bodies ----------------------------------------------------------------------


_ABSENT = object()


def _present(body: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in body.items() if v is not _ABSENT}


def valid_objects(contract: Contract) -> st.SearchStrategy[dict[str, Any]]:
    """Bodies with every required field and any subset of the optional ones.

    Each optional field is "absent or a value" on its own, rather than fixed_dictionaries'
    `optional=`, so that shrinking drops every field a failure does not need.
    """
    return st.fixed_dictionaries(
        {
            f.name: field_values(f) if f.required else st.one_of(st.just(_ABSENT), field_values(f))
            for f in contract.fields.values()
        }
    ).map(_present)


def valid_payloads(contract: Contract) -> st.SearchStrategy[Payload]:
    """Valid bodies, mostly under the bare media type, sometimes under another form of it
    the contract accepts (parameters, letter case, whitespace): shrinking goes bare."""
    media = contract.operation.media_types[0]
    content_types = weighted((4, st.just(media)), (1, st.sampled_from(media_forms(media))))
    return st.builds(
        lambda body, content_type: Payload(as_json(body), content_type, "a valid body"),
        valid_objects(contract),
        content_types,
    )


# --- invalid requests ------------------------------------------------------------------


def _mutate(
    bodies: st.SearchStrategy[dict[str, Any]],
    fields: list[Field],
    values: Callable[[Field], st.SearchStrategy[Any]],
    label: str,
) -> st.SearchStrategy[Payload]:
    """A valid body with one field set to a value from `values(field)`."""
    if not fields:
        return st.nothing()
    return st.sampled_from(fields).flatmap(
        lambda f: st.builds(
            lambda body, value: Payload(
                as_json(with_field(body, f.name, value)), JSON, f"{label} ({f.name})"
            ),
            bodies,
            values(f),
        )
    )


_WRONG_TYPES = st.one_of(
    st.integers(-(2**63), 2**63),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.lists(st.text(max_size=5), max_size=3),
    st.dictionaries(st.text(max_size=5), st.text(max_size=5), max_size=2),
)
_BAD_EMAILS = st.one_of(
    st.sampled_from(
        [
            "plainaddress",
            "a@b",
            "@example.com",
            "john@",
            "a b@c.de",
            "a@b@c.de",
            "a@b .de",
            "a@.",
            "x@y.",
        ]
    ),
    st.text(_PRINTABLE, min_size=1, max_size=30),
)
_BLANKS = ("", " ", "\t", "\n", "   ", " \r\n ")


def _unknown_names(contract: Contract) -> st.SearchStrategy[str]:
    """Property names the contract does not define: typos of its fields, or anything."""
    typos = [
        variant
        for name in contract.fields
        for variant in (name.replace("_", ""), name.upper(), name + "s", name.replace("_", "-"))
    ]
    return st.one_of(st.sampled_from(typos), st.text(min_size=1, max_size=20)).filter(
        lambda n: n not in contract.fields
    )


def invalid_payloads(contract: Contract) -> st.SearchStrategy[Payload]:
    """Requests with one defect each; the oracle says which status each must get."""
    bodies = valid_objects(contract)
    fields = list(contract.fields.values())
    blankable = [f for f in fields if not any(f.accepts(b) for b in _BLANKS)]
    emails_ = [f for f in fields if f.is_email]
    missing = [
        st.builds(
            lambda body, f=f: Payload(
                as_json(without_field(body, f.name)), JSON, f"missing {f.name}"
            ),
            bodies,
        )
        for f in contract.required_fields
    ]
    return st.one_of(
        *missing,
        _mutate(bodies, blankable, lambda f: st.sampled_from(_BLANKS), "blank"),
        _mutate(bodies, fields, lambda f: st.none(), "null"),
        _mutate(bodies, fields, lambda f: _WRONG_TYPES, "wrong type"),
        _mutate(
            bodies,
            fields,
            lambda f: st.builds(
                repeat,
                st.text(_CHARS, min_size=1, max_size=3),
                _lengths(f.max_length + 1, f.max_length + 50),
            ),
            "too long",
        ),
        _mutate(
            bodies,
            fields,
            lambda f: st.builds(
                lambda a, b: a + "\x00" + b, st.text(max_size=5), st.text(max_size=5)
            ),
            "NUL character",
        ),
        _mutate(
            bodies, emails_, lambda f: _BAD_EMAILS.filter(lambda v: not f.accepts(v)), "bad email"
        ),
        st.builds(
            lambda body, name, value: Payload(
                as_json(with_field(body, name, value)), JSON, f"unknown property {name!r}"
            ),
            bodies,
            _unknown_names(contract),
            st.one_of(st.text(max_size=10), st.integers(), st.none()),
        ),
        st.one_of(
            st.lists(bodies, max_size=2),
            st.text(max_size=10),
            st.integers(),
            st.floats(allow_nan=False),
            st.booleans(),
            st.none(),
        ).map(lambda v: Payload(as_json(v), JSON, f"a JSON {json_type(v)}, not an object")),
        st.builds(
            lambda body, how, cut: Payload(
                malformed(body, how, cut), JSON, f"malformed JSON ({how})"
            ),
            bodies,
            st.sampled_from(MALFORMED),
            st.integers(0, 1000),
        ),
        st.builds(wrong_content_type, bodies, st.sampled_from(WRONG_CONTENT_TYPES)),
    )


# --- Schemathesis ----------------------------------------------------------------------


_NUL_FREE = r"^[^\x00]*$"
# The NUL character as a pattern of its own, not a character class: see _without_nul_patterns.
_NUL = r"\x00"


def _without_nul_patterns(node: Any) -> Any:
    """The spec with each `pattern: ^[^\\x00]*$` spelled `not: {pattern: "\\x00"}`: the
    same strings. Schemathesis folds a field's length bounds into its pattern's quantifier
    (`[^\\x00]{0,10000}`), and Hypothesis builds its regex strategies slowly from such a
    quantifier; spelled this way, the bounds stay beside it as minLength/maxLength.

    Not `[\\x00]`: Schemathesis turns a barred character class into the alphabet of the
    string, a regex strategy drawn once per character (a quarter of a positive example's
    time); a barred pattern that is no class leaves the plain alphabet, and a filter drops
    the rare string with a NUL in it. Negative cases still negate it into strings with one."""
    if isinstance(node, list):
        return [_without_nul_patterns(item) for item in node]
    if not isinstance(node, dict):
        return node
    spelled = {key: _without_nul_patterns(value) for key, value in node.items()}
    if spelled.get("pattern") == _NUL_FREE and "not" not in spelled:
        del spelled["pattern"]
        spelled["not"] = {"pattern": _NUL}
    return spelled


@cache
def _schemathesis_operation() -> Any:
    import schemathesis

    from contract_tests.contract import contract

    schema = schemathesis.openapi.from_dict(_without_nul_patterns(load_spec()))
    c = contract()
    return schema[c.path][c.method]


def schemathesis_payloads(negative: bool) -> st.SearchStrategy[Payload]:
    """Bodies Schemathesis generates from the spec: valid ones, or (negative) ones that
    break the schema. Only the body is taken: credentials are the suite's own."""
    from schemathesis import GenerationMode
    from schemathesis.core import NOT_SET

    mode = GenerationMode.NEGATIVE if negative else GenerationMode.POSITIVE
    label = f"a Schemathesis {'negative' if negative else 'positive'} body"
    # A fixed header keeps Schemathesis from spending examples on the Authorization header.
    cases = _schemathesis_operation().as_strategy(mode, headers={"Authorization": "-"})

    def payload(case: Any) -> Payload:
        if case.body is NOT_SET:
            return Payload(b"", None, label)
        if isinstance(case.body, bytes):
            return Payload(case.body, case.media_type or JSON, label)
        return Payload(as_json(case.body, ascii_only=True), case.media_type or JSON, label)

    payloads: st.SearchStrategy[Payload] = cases.map(payload)
    return payloads
