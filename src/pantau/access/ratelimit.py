"""Failure counting for logins and credentials: a sliding window per key, in memory.

In memory, per server process: with several workers each one counts on its own, so the
limit a client meets is at most (workers × limit) per window — still a brute-force rate of a
few guesses a second instead of thousands. Only failures count: a user who types the
password right is never locked out by their own successes.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable

MAX_KEYS = 100_000  # an attacker rotating keys must not grow the table without bound


class FailureLimit:
    """At most `limit` failures per key within `window` seconds; `clock` is injectable so
    tests need no sleeping."""

    def __init__(self, limit: int, window: float,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self.window = window
        self.clock = clock
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float]:
        hits = self._hits.get(key)
        if hits is None:
            return deque()
        while hits and hits[0] <= now - self.window:
            hits.popleft()
        if not hits:
            del self._hits[key]
        return hits

    def blocked(self, key: str) -> bool:
        """True while `key` has used up its failures."""
        with self._lock:
            return len(self._recent(key, self.clock())) >= self.limit

    def retry_after(self, key: str) -> int:
        """Seconds until the oldest failure of `key` leaves the window (at least 1)."""
        with self._lock:
            hits = self._recent(key, now := self.clock())
            return max(1, int(hits[0] + self.window - now) + 1) if hits else 1

    def fail(self, key: str) -> None:
        with self._lock:
            now = self.clock()
            if len(self._hits) >= MAX_KEYS:
                self._hits.clear()
            hits = self._hits.setdefault(key, deque())
            hits.append(now)
            while len(hits) > self.limit:
                hits.popleft()

    def clear(self, key: str) -> None:
        with self._lock:
            self._hits.pop(key, None)
