"""Serve the rating app on a socket bound here, so a busy port is a one-line error."""

from __future__ import annotations

import errno
import socket

from fastapi import FastAPI

from .errors import EvalError


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on `host:port`, or an EvalError saying what to do instead.

    Binding before uvicorn starts turns "address already in use" into an
    `Error:`/`Hint:` pair instead of a server log line and a traceback.
    """
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        raise EvalError(
            f"cannot listen on host '{host}': {exc.strerror}\n"
            "Hint: use 127.0.0.1 for this machine only, or 0.0.0.0 for your network"
        ) from exc
    family, kind, proto, _, address = infos[0]
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
        sock.listen(128)
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            hint = f"stop the program using it, or pick another port with --port {port + 1}"
            raise EvalError(f"port {port} on {host} is already in use\nHint: {hint}") from exc
        if exc.errno == errno.EACCES:
            raise EvalError(
                f"not allowed to listen on port {port}\nHint: use a port above 1023, e.g. 8000"
            ) from exc
        raise EvalError(f"cannot listen on {host}:{port}: {exc.strerror}") from exc
    return sock


def run(app: FastAPI, sock: socket.socket) -> None:
    """Serve `app` on `sock` until interrupted."""
    import uvicorn

    server = uvicorn.Server(uvicorn.Config(app, log_level="warning"))
    server.run(sockets=[sock])
