"""The warnings: answers the contract allows as written, but that break real clients.

Each is a small named function, registered like the checks (`checks.register`): it looks
at one call and returns None, or a message saying what a client would trip over. A
warning never fails a run unless `--warnings-as-errors` asks for it. Unlike the checks,
warnings judge calls on any path: the document's heading path is where one of them looks.
"""

from __future__ import annotations

from contacts_core.media import parse as parse_media
from contract_tests.checks import Call, Check, register
from contract_tests.contract import JSON
from contract_tests.model import ADMIN, TOKEN
from contract_tests.oracle import shown

WARNINGS: list[Check] = []

# Clients that follow a redirected POST send it again as a GET (browsers, requests,
# fetch for 301 and 302) or not at all; 307 and 308 keep the method, but many clients
# refuse to re-send a body.
_REDIRECTS = range(300, 400)
_LOST = (404, 405)


def challenge_schemes(value: str) -> list[str]:
    """The schemes a WWW-Authenticate value offers (RFC 9110: `scheme [params]`, comma
    separated; a comma also separates a scheme's own parameters, which hold a `=`)."""
    schemes = []
    for part in value.split(","):
        word = part.strip().split(" ", 1)[0]
        if word and "=" not in word:
            schemes.append(word)
    return schemes


@register(
    WARNINGS,
    "paths",
    "the document's heading path (no trailing slash) is served, neither redirected nor refused",
    lambda call: call.on_heading_path,
)
def heading_path_served(call: Call) -> str | None:
    status = call.response.status
    path = f"{call.request.method} {call.contract.heading_path}"
    if status in _REDIRECTS:
        target = call.response.headers.get("location", "(no Location)")
        return (
            f"{path} (the document's heading path) got {status}, a redirect to {target}: "
            "clients re-send a redirected POST as a GET, or not at all"
        )
    if status in _LOST:
        return (
            f"{path} (the document's heading path) got {status}: clients that follow the "
            "document lose their request"
        )
    return None


@register(
    WARNINGS,
    "auth",
    "a 401's WWW-Authenticate names the spec's scheme",
    lambda call: call.response.status == 401 and "www-authenticate" in call.response.headers,
)
def www_authenticate_scheme(call: Call) -> str | None:
    value = call.response.headers["www-authenticate"]
    wanted = call.contract.challenge_scheme
    offered = challenge_schemes(value)
    if not wanted or wanted.lower() in (s.lower() for s in offered):
        return None
    return (
        f"a 401 asks for WWW-Authenticate: {shown(value)}, not the spec's {wanted} scheme: "
        f"clients that answer the challenge send credentials this API refuses"
    )


@register(
    WARNINGS,
    "errors",
    "a 400 for invalid fields names at least one of them, so a form can show it by its input",
    lambda call: (
        call.response.status == 400
        and bool(call.verdict.fields)
        and call.credential.kind in (TOKEN, ADMIN)
    ),
)
def field_errors_named(call: Call) -> str | None:
    body = call.json()
    if not isinstance(body, dict) or any(name in body for name in call.verdict.fields):
        return None
    fields = ", ".join(shown(name) for name in sorted(call.verdict.fields))
    return (
        f"a 400 for invalid {fields} names none of them: {shown(body)}; a form cannot show "
        "the error next to its input"
    )


@register(
    WARNINGS,
    "encoding",
    f"{JSON} answers are UTF-8: they declare no other charset",
    lambda call: parse_media(call.response.content_type)[0] == JSON,
)
def json_charset(call: Call) -> str | None:
    charset = parse_media(call.response.content_type)[1].get("charset", "utf-8")
    if charset.lower() in ("utf-8", "utf8"):
        return None
    return (
        f"a {call.response.status} declares Content-Type: {shown(call.response.content_type)}; "
        "JSON is UTF-8 (RFC 8259), and clients that decode by the header garble non-ASCII text"
    )


class ContractWarning(UserWarning):
    """A warning of the suite, as the pytest plugin issues it."""
