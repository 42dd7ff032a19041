"""One event loop per process for the synchronous entry points (CLI, `chat`, `eval`).

LLM clients pool their HTTP/1.1 keep-alive connections on the event loop that opened
them. `asyncio.run()` per question closes that loop after the first answer and leaves
the pool pointing at it, so the next question fails with "Event loop is closed". Every
synchronous caller therefore runs its coroutines on this one long-lived loop.
"""

from __future__ import annotations

import asyncio
import atexit
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")

_runner: asyncio.Runner | None = None
_lock = threading.Lock()


def run(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run `coroutine` to completion on the process's loop, creating it on first use."""
    global _runner
    with _lock:
        if _runner is None:
            _runner = asyncio.Runner()
            atexit.register(_close_at_exit, _runner)
        return _runner.run(coroutine)


def _close_at_exit(runner: asyncio.Runner) -> None:
    """Close the loop when the interpreter exits.

    `Runner.close` joins the default executor from a new thread, and Python 3.12 refuses
    new threads once shutdown has begun, which is when atexit callbacks run ("can't
    create new thread at interpreter shutdown", printed at the end of every run). By then
    concurrent.futures has joined the executor's workers itself, and `Runner.close`
    closes the loop in a `finally`, so only that join is lost.
    """
    try:
        runner.close()
    except RuntimeError as error:
        if "interpreter shutdown" not in str(error):
            raise
