"""HTTP hardening for the rating app: caps on headers and bodies, framing checks, security headers.

One plain ASGI middleware, outside FastAPI's routing, so it holds for every route,
error pages, static files and even an unexpected 500 included.
"""

from __future__ import annotations

import logging

from fastapi import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# The app's own pages load scripts, styles and images from itself and nothing else;
# no inline code runs, no other site may frame it, forms post only back to it.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "content-security-policy": CONTENT_SECURITY_POLICY,
    # Rater and admin links carry secrets: never hand them to another site.
    "referrer-policy": "no-referrer",
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "cross-origin-opener-policy": "same-origin",
}


log = logging.getLogger(__name__)


class BodyTooLarge(HTTPException):
    """Raised from inside `receive` when a streamed body passes the cap.

    An HTTPException, so FastAPI's body parsing lets it through unchanged and the
    app's error handler answers 413 in the app's own format.
    """

    def __init__(self, limit: int) -> None:
        super().__init__(status_code=413, detail=f"request body over the limit of {limit} bytes")


class Guard:
    """Refuse oversized or ambiguous requests and add security headers to every response.

    Headers over `max_headers` bytes get 431. A request with both Content-Length and
    Transfer-Encoding gets 400 and a closed connection (RFC 9112 section 6.1): two
    servers in a chain may frame such a body differently, the root of request
    smuggling. A declared Content-Length over `max_body` is refused before a byte of
    the body is read; a chunked body is counted as it streams in and cut off at the
    cap. An exception no handler caught still gets a 500 with the headers.
    """

    def __init__(self, app: ASGIApp, max_body: int, max_headers: int) -> None:
        self.app = app
        self.max_body = max_body
        self.max_headers = max_headers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def send_secured(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                present = {name.lower() for name, _ in message.get("headers", [])}
                extra = [
                    (name.encode(), value.encode())
                    for name, value in SECURITY_HEADERS.items()
                    if name.encode() not in present
                ]
                if b"cache-control" not in present:
                    extra.append((b"cache-control", b"no-store"))
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        headers = scope.get("headers", [])
        header_bytes = len(scope.get("raw_path") or b"") + len(scope.get("query_string", b""))
        header_bytes += sum(len(name) + len(value) for name, value in headers)
        if header_bytes > self.max_headers:
            text = f"request headers over the limit of {self.max_headers} bytes"
            await _plain(send_secured, 431, text)
            return
        names = {name.lower() for name, _ in headers}
        if b"transfer-encoding" in names and b"content-length" in names:
            text = "a request may carry Content-Length or Transfer-Encoding, not both"
            await _plain(send_secured, 400, text)
            return
        declared = _content_length(scope)
        if declared == -1:
            await _plain(send_secured, 400, "Content-Length is not a number")
            return
        if declared is not None and declared > self.max_body:
            await _plain(send_secured, 413, f"request body over the limit of {self.max_body} bytes")
            return

        received = 0

        async def receive_capped() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body:
                    raise BodyTooLarge(self.max_body)
            return message

        try:
            await self.app(scope, receive_capped, send_secured)
        except BodyTooLarge:
            if started:
                raise
            await _plain(send_secured, 413, f"request body over the limit of {self.max_body} bytes")
        except Exception:
            if started:
                raise
            # Answer here, with the security headers, and log what went wrong.
            log.exception("unhandled error in %s %s", scope.get("method"), scope.get("path"))
            await _plain(send_secured, 500, "internal error: the server log has the details")


def _content_length(scope: Scope) -> int | None:
    """The declared body length; None when absent, -1 when it is not a plain number."""
    for name, value in scope.get("headers", []):
        if name.lower() == b"content-length":
            text = value.decode("latin-1").strip()
            return int(text) if text.isascii() and text.isdigit() else -1
    return None


async def _plain(send: Send, status: int, text: str) -> None:
    body = f"{text}\n".encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"text/plain; charset=utf-8"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
