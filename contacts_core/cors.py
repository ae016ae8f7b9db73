"""CORS for the toolkit's servers (the mock, the proxy): Starlette's middleware, with a
short path for requests that come from no browser."""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.middleware.cors import CORSMiddleware
from starlette.types import Message, Receive, Scope, Send

from contacts_core.asgi import header


class Cors(CORSMiddleware):
    """Starlette's CORS middleware, with a short path for requests without an Origin
    header (not from a browser): like Starlette, it only adds `Vary: Origin` to them."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or header(scope, b"origin") is not None:
            await super().__call__(scope, receive, send)
            return

        async def vary_on_origin(message: Message) -> None:
            if message["type"] != "http.response.start":
                await send(message)
                return
            headers = message.get("headers", [])
            varies = [value.lower() for key, value in headers if key.lower() == b"vary"]
            if any(name.strip() == b"origin" for value in varies for name in value.split(b",")):
                await send(message)  # it says so already (an answer the proxy passes on)
                return
            if varies:
                # Merging with a Vary the app set is Starlette's job.
                await self.send(message, send, request_headers=Headers(scope=scope))
                return
            message["headers"] = [*headers, (b"vary", b"Origin")]
            await send(message)

        await self.app(scope, receive, vary_on_origin)
