"""The floor to compare the mock with: one Starlette route doing the same JSON work.

It checks the token in constant time, parses the body, builds the contact with the
same eleven fields and answers 201 with JSON; no schema validation, no store beyond a
counter. Served by uvicorn like the mock (uvloop and httptools when installed, no
access log), on one process.

    python bench/bare_starlette.py --port 8000
"""

from __future__ import annotations

import argparse
import hmac
import importlib.util
import itertools
from datetime import UTC, datetime
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

FIELDS = ("subject", "message", "first_name", "last_name", "email", "mobile_number")
TOKEN = b"Token staff-token"


class State:
    ids = itertools.count(1)
    created = 0


async def create(request: Request) -> Response:
    header = request.headers.get("authorization", "").encode()
    if not hmac.compare_digest(header, TOKEN):
        return JSONResponse({"detail": "Invalid token."}, status_code=401)
    body: dict[str, Any] = await request.json()
    now = datetime.now(UTC).isoformat().replace("+00:00", "Z")
    contact = {"id": next(State.ids), **dict.fromkeys(FIELDS, ""), **body}
    contact.update(viewed=False, viewed_at=None, created_at=now, updated_at=now)
    State.created += 1
    return JSONResponse(contact, status_code=201)


async def count(request: Request) -> Response:
    if request.method == "DELETE":
        State.created = 0
    return JSONResponse({"created": State.created})


app = Starlette(
    routes=[
        Route("/api/contacts/", create, methods=["POST"]),
        Route("/count", count, methods=["GET", "DELETE"]),
    ]
)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    port = parser.parse_args().port
    uvicorn.run(
        app,
        host="127.0.0.1",
        port=port,
        log_level="warning",
        access_log=False,
        loop="uvloop" if importlib.util.find_spec("uvloop") else "asyncio",
        http="httptools" if importlib.util.find_spec("httptools") else "h11",
    )


if __name__ == "__main__":
    main()
