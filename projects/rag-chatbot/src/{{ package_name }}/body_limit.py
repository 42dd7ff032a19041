"""Refuse a request body over the size cap with HTTP 413 before reading it.

FastAPI reads a JSON body whole before validation can refuse it, so a 10 MB question
would be held in memory first and then answered 422. This ASGI middleware answers 413
instead: at once when `Content-Length` is over the cap (nothing of the body is read), and
as soon as a chunked body grows past it. The 413 closes the connection, since the rest of
that body is still on its way; the server keeps serving every other one.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from starlette.types import ASGIApp, Message, Receive, Scope, Send

MIN_BODY_BYTES = 64 * 1024
"""The cap never goes below this: room for `POST /ingest` with many paths."""
BYTES_PER_CHAR = 12
"""The most JSON can spend on one character: an emoji escaped as two `\\uXXXX` halves."""


def body_cap(max_question_chars: int) -> int:
    """The largest body accepted: a question at the length limit always fits, however escaped."""
    return max(MIN_BODY_BYTES, BYTES_PER_CHAR * max_question_chars + 1024)


class BodySizeLimit:
    """Pure ASGI middleware (not Starlette's BaseHTTPMiddleware, which buffers bodies)."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(send)
            return

        received = 0
        refused = started = False

        async def counted_receive() -> Message:
            nonlocal received, refused
            if refused:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    refused = True
                    if not started:
                        await self._refuse(send)
                    # The app stops reading and whatever it answers next is dropped.
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if not refused:
                started = True
                await send(message)

        try:
            await self.app(scope, counted_receive, guarded_send)
        except Exception:
            if not refused:  # an error the cap caused is answered already
                raise

    async def _refuse(self, send: Send) -> None:
        body = json.dumps(
            {"detail": f"the request body is over the {self.max_bytes}-byte limit"}
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
