"""Where a backend reads what the contract does not say: a request form the contract
accepts that it refuses (a media type compared as a whole string, a body limit far below
the contract's), and a key it takes from where the contract puts no credential."""

from __future__ import annotations

import json
from collections.abc import Mapping

from contacts_core.tokens import PLACES, placed_values
from mock_server.faults.auth import as_key
from mock_server.faults.registry import Head, Reply, facts, head_fault, json_reply

# A reverse proxy's or framework's default set far below the contract's x-max-body-bytes.
SMALL_LIMIT = 32 * 1024


@head_fault(
    "content-type-compared-whole",
    "the content type is compared as a whole string: {f.op.media_types[0]}; charset=utf-8 gets 415",
    "positive_data_acceptance",
)
def content_type_compared_whole(head: Head, tokens: Mapping[str, str]) -> Head | Reply:
    sent = head.header(b"content-type")
    if sent is None or sent.decode("latin-1") in facts().op.media_types:
        return head
    message = f'Unsupported media type "{sent.decode("latin-1")}" in request.'
    return json_reply(415, {"detail": message})


@head_fault(
    "body-limit-32k",
    f"bodies over {SMALL_LIMIT // 1024} KiB get 413, far below the contract's "
    "{f.op.max_body_bytes} bytes",
    "positive_data_acceptance",
)
def body_limit_32k(head: Head, tokens: Mapping[str, str]) -> Head | Reply:
    if len(head.body) <= SMALL_LIMIT:
        return head
    return json_reply(413, {"detail": f"Request body is larger than {SMALL_LIMIT} bytes."})


def _believed(head: Head, tokens: Mapping[str, str], where: str) -> Head:
    """The request with the first known key found at `where` as its Authorization header,
    when it has none."""
    auth = facts().op.auth_header.lower().encode()
    if head.header(auth) is not None:
        return head
    placed = placed_values(head.headers, head.query, head.body)
    key = next((v for place, v in placed if PLACES[place].where == where and v in tokens), None)
    if key is None:
        return head
    body = head.body
    if where == "body":  # the field is taken as the key, not validated as a field
        sent = json.loads(body)
        body = json.dumps({k: v for k, v in sent.items() if v != key}).encode()
    header = as_key(None, key)
    assert header is not None
    return Head([*head.headers, (auth, header.encode("latin-1"))], head.query, body)


@head_fault(
    "key-in-query-accepted",
    "a key in the query string (?token=, ?api_key=, ?auth_token=) is taken for the "
    "{f.op.auth_header} header",
    "credential_placement",
)
def key_in_query(head: Head, tokens: Mapping[str, str]) -> Head | Reply:
    return _believed(head, tokens, "query")


@head_fault(
    "key-in-cookie-accepted",
    "a key in a cookie (token=) is taken for the {f.op.auth_header} header",
    "credential_placement",
)
def key_in_cookie(head: Head, tokens: Mapping[str, str]) -> Head | Reply:
    return _believed(head, tokens, "cookie")


@head_fault(
    "key-in-header-accepted",
    "a key in X-API-Key or X-Auth-Token is taken for the {f.op.auth_header} header",
    "credential_placement",
)
def key_in_header(head: Head, tokens: Mapping[str, str]) -> Head | Reply:
    return _believed(head, tokens, "header")


@head_fault(
    "key-in-body-accepted",
    "a key in the body's token field is taken for the {f.op.auth_header} header",
    "credential_placement",
)
def key_in_body(head: Head, tokens: Mapping[str, str]) -> Head | Reply:
    return _believed(head, tokens, "body")
