"""A loopback LLM server that behaves like the real ones, for OpenAI, Anthropic and Gemini clients.

Real API servers speak HTTP/1.1 and keep connections alive, stream with chunked transfer
encoding and server-sent events, answer 429 with `Retry-After` and sometimes stall. A fake
that closes every connection hides the bugs that connection reuse causes (a client pooled
on one event loop and reused from another), so this one does all of the above and records
every request with the connection it came on. `serving` puts the project's own app
under a real uvicorn on loopback, for tests that need a real HTTP/1.1 server.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Responder = Callable[[str], str]


@dataclass
class Recorded:
    """One request as the server saw it."""

    path: str
    body: dict[str, Any]
    headers: dict[str, str]  # names in lower case
    connection: int  # the client's port: one per TCP connection

    @property
    def prompt(self) -> str:
        """Every text the client sent (system, history, question), joined, whatever the API."""
        return "\n".join(_texts(self.body))


def _texts(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            if key in {"content", "text", "system", "parts", "contents", "messages"} or isinstance(
                item, (dict, list)
            ):
                yield from _texts(item)
    elif isinstance(value, list):
        for item in value:
            yield from _texts(item)


@dataclass
class Script:
    """What the server does next: `failures` are served first, one per request."""

    failures: list[str] = field(default_factory=list)
    retry_after_s: float = 0.1
    stall_s: float = 2.0
    chunk_delay_s: float = 0.002
    responder: Responder = field(default=lambda prompt: "Refunds are paid within 14 days [1].")


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, like every real API server
    server: LoopbackLLM

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        """Keep the test output quiet."""

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        body = json.loads(self.rfile.read(length) or b"{}")
        headers = {name.lower(): value for name, value in self.headers.items()}
        record = Recorded(self.path, body, headers, self.client_address[1])
        self.server.record(record)
        failure = self.server.next_failure()
        try:
            if failure == "429":
                retry = f"{self.server.script.retry_after_s:g}"
                self._json(429, {"error": {"message": "rate limited"}}, {"Retry-After": retry})
            elif failure == "500":
                self._json(500, {"error": {"message": "model crashed", "type": "server_error"}})
            elif failure == "slow":
                time.sleep(self.server.script.stall_s)
                self._json(500, {"error": {"message": "too late"}})
            else:
                self._answer(record)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client gave up first, as on a timeout

    def _answer(self, record: Recorded) -> None:
        text = self.server.script.responder(record.prompt)
        pieces = [word + " " for word in text.split(" ")]
        pieces[-1] = pieces[-1].rstrip()
        path = self.path
        if path.endswith("/chat/completions"):
            self._openai(record.body, pieces)
        elif path.endswith("/messages"):
            self._anthropic(record.body, pieces)
        elif ":streamGenerateContent" in path:
            last = len(pieces) - 1
            self._sse(
                _gemini_chunk([p], final=i == last, total=len(pieces)) for i, p in enumerate(pieces)
            )
        elif ":generateContent" in path:
            self._json(200, _gemini_chunk(pieces, final=True, total=len(pieces)))
        else:
            self._json(404, {"error": {"message": f"no route {path}"}})

    def _openai(self, body: dict[str, Any], pieces: list[str]) -> None:
        usage = {
            "prompt_tokens": 50,
            "completion_tokens": len(pieces),
            "total_tokens": 50 + len(pieces),
        }
        model = body.get("model", "fake")
        if not body.get("stream"):
            message = {"role": "assistant", "content": "".join(pieces)}
            choice = {"index": 0, "message": message, "finish_reason": "stop"}
            payload = {"id": "c1", "object": "chat.completion", "created": 0, "model": model}
            self._json(200, {**payload, "choices": [choice], "usage": usage})
            return

        def chunks() -> Iterator[dict[str, Any]]:
            base = {"id": "c1", "object": "chat.completion.chunk", "created": 0, "model": model}
            for piece in pieces:
                delta = {"index": 0, "delta": {"content": piece}, "finish_reason": None}
                yield {**base, "choices": [delta]}
            yield {**base, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}
            if body.get("stream_options", {}).get("include_usage"):
                yield {**base, "choices": [], "usage": usage}

        self._sse(chunks(), done=True)

    def _anthropic(self, body: dict[str, Any], pieces: list[str]) -> None:
        model = body.get("model", "fake")
        message = {
            "id": "msg_1",
            "type": "message",
            "role": "assistant",
            "model": model,
            "stop_reason": None,
            "stop_sequence": None,
        }
        if not body.get("stream"):
            content = [{"type": "text", "text": "".join(pieces)}]
            usage = {"input_tokens": 50, "output_tokens": len(pieces)}
            self._json(
                200, {**message, "content": content, "stop_reason": "end_turn", "usage": usage}
            )
            return

        def events() -> Iterator[dict[str, Any]]:
            usage = {"input_tokens": 50, "output_tokens": 0}
            yield {"type": "message_start", "message": {**message, "content": [], "usage": usage}}
            block = {"type": "text", "text": ""}
            yield {"type": "content_block_start", "index": 0, "content_block": block}
            for piece in pieces:
                delta = {"type": "text_delta", "text": piece}
                yield {"type": "content_block_delta", "index": 0, "delta": delta}
            yield {"type": "content_block_stop", "index": 0}
            done = {"stop_reason": "end_turn", "stop_sequence": None}
            # Like the real API, the final usage is cumulative and repeats the input tokens.
            usage = {"input_tokens": 50, "output_tokens": len(pieces)}
            yield {"type": "message_delta", "delta": done, "usage": usage}
            yield {"type": "message_stop"}

        self._sse(events(), named=True)

    def _json(
        self, status: int, payload: dict[str, Any], headers: dict[str, str] | None = None
    ) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def _sse(
        self, events: Iterator[dict[str, Any]], *, done: bool = False, named: bool = False
    ) -> None:
        """Stream events with chunked transfer encoding, one chunk per event, a little apart."""
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        for event in events:
            prefix = f"event: {event['type']}\n" if named else ""
            self._chunk(f"{prefix}data: {json.dumps(event)}\n\n".encode())
            time.sleep(self.server.script.chunk_delay_s)
        if done:
            self._chunk(b"data: [DONE]\n\n")
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    def _chunk(self, data: bytes) -> None:
        self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        self.wfile.flush()


def _gemini_chunk(pieces: list[str], *, final: bool, total: int) -> dict[str, Any]:
    candidate: dict[str, Any] = {
        "content": {"parts": [{"text": "".join(pieces)}], "role": "model"},
        "index": 0,
    }
    chunk: dict[str, Any] = {"candidates": [candidate], "modelVersion": "fake"}
    if final:
        candidate["finishReason"] = "STOP"
        chunk["usageMetadata"] = {
            "promptTokenCount": 50,
            "candidatesTokenCount": total,
            "totalTokenCount": 50 + total,
        }
    return chunk


class LoopbackLLM(ThreadingHTTPServer):
    """The server; `script` says how it answers and `requests` lists what it received."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.script = Script()
        self.requests: list[Recorded] = []
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def record(self, request: Recorded) -> None:
        with self._lock:
            self.requests.append(request)

    def next_failure(self) -> str | None:
        with self._lock:
            return self.script.failures.pop(0) if self.script.failures else None

    @property
    def connections(self) -> int:
        """How many TCP connections carried the requests: fewer than requests means reuse."""
        return len({request.connection for request in self.requests})

    def __enter__(self) -> LoopbackLLM:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()
        self.server_close()


@contextmanager
def serving(app: Any, http: str = "auto") -> Iterator[str]:
    """An ASGI app under uvicorn on a free loopback port, for as long as the block runs.

    `http` picks uvicorn's HTTP/1.1 implementation: "h11", "httptools" or "auto".
    """
    import uvicorn

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = uvicorn.Config(app, port=port, http=http, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}/"
    server.should_exit = True
    thread.join(timeout=5)
