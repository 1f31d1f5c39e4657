"""How many heavy stored queries (`// cost: heavy`) run at once, per API key and in all.

A heavy query can hold the database's query memory and a core for the whole
timeout; a reader key firing several at once must not starve everyone else.
A call over either cap is refused at once (503 with `Retry-After`) rather
than queued, so it cannot pile up behind the others either.
"""

from __future__ import annotations

import hashlib
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager


class Busy(Exception):
    """No slot for another heavy query; try again after `retry_after` seconds."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class HeavySlots:
    def __init__(self, per_key: int, total: int, retry_after: int) -> None:
        self.per_key = per_key
        self.total = total
        self.retry_after = retry_after
        self._lock = threading.Lock()
        self._running: Counter[str] = Counter()

    @staticmethod
    def _id(key: str) -> str:
        # Only a digest is kept, so the counters never hold a key.
        return hashlib.sha256(key.encode()).hexdigest()[:16]

    @contextmanager
    def slot(self, key: str) -> Iterator[None]:
        who = self._id(key)
        with self._lock:
            if self._running[who] >= self.per_key:
                raise Busy(
                    f"this API key already runs {self.per_key} heavy queries; "
                    "wait for one to finish",
                    self.retry_after,
                )
            if self._running.total() >= self.total:
                raise Busy(
                    f"{self.total} heavy queries are already running; try again shortly",
                    self.retry_after,
                )
            self._running[who] += 1
        try:
            yield
        finally:
            with self._lock:
                self._running[who] -= 1
                if self._running[who] <= 0:
                    del self._running[who]
