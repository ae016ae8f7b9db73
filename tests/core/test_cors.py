"""The mock's Cors middleware answers exactly as Starlette's CORSMiddleware would."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from starlette.middleware.cors import CORSMiddleware
from starlette.types import Receive, Scope, Send

from contacts_core.cors import Cors

OPTIONS: dict[str, Any] = {
    "allow_origins": ["*"],
    "allow_methods": ["GET", "POST"],
    "allow_headers": ["Authorization"],
    "expose_headers": ["WWW-Authenticate"],
    "max_age": 600,
}


def app_with(headers: list[tuple[bytes, bytes]]) -> Any:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": list(headers)})
        await send({"type": "http.response.body", "body": b"ok"})

    return app


async def answer(middleware: type[CORSMiddleware], app: Any, headers: dict[str, str]) -> Any:
    transport = httpx.ASGITransport(app=middleware(app, **OPTIONS))
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
        response = await client.post("/", headers=headers)
    return response.status_code, response.headers.multi_items(), response.content


@pytest.mark.parametrize(
    "response_headers",
    [[], [(b"vary", b"Accept")], [(b"vary", b"Accept"), (b"vary", b"Cookie")]],
    ids=["no-vary", "vary", "two-varies"],
)
@pytest.mark.parametrize(
    "request_headers", [{}, {"Origin": "http://front.example"}], ids=["no-origin", "origin"]
)
async def test_same_answer_as_starlette(
    response_headers: list[tuple[bytes, bytes]], request_headers: dict[str, str]
) -> None:
    app = app_with(response_headers)
    ours = await answer(Cors, app, request_headers)
    assert ours == await answer(CORSMiddleware, app, request_headers)
    assert [v for k, v in ours[1] if k == "vary"][-1].endswith("Origin")
