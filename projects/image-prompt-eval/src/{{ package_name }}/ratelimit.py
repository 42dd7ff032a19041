"""A sliding-window rate limit, so one leaked study link cannot enrol raters without end."""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable


class SlidingWindow:
    """At most `limit` events in any `window` seconds.

    Thread-safe, because FastAPI runs plain `def` routes in a thread pool. State lives
    in this process only: a restart starts a fresh window, which is harmless for a
    limit meant to slow a flood, not to count exactly.
    """

    def __init__(
        self, limit: int, window: float = 60.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limit = limit
        self.window = window
        self.clock = clock
        self._times: deque[float] = deque()
        self._lock = threading.Lock()

    def acquire(self) -> int:
        """Count one event and return 0, or return the whole seconds to wait and count none."""
        with self._lock:
            now = self.clock()
            while self._times and self._times[0] <= now - self.window:
                self._times.popleft()
            if len(self._times) >= self.limit:
                return max(1, math.ceil(self._times[0] + self.window - now))
            self._times.append(now)
            return 0
