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
            atexit.register(_runner.close)
        return _runner.run(coroutine)
