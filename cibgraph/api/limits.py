"""How many heavy stored queries (`// cost: heavy`) run at once, per API key and in all.

A heavy query can hold the database's query memory and a core for the whole
timeout; a reader key firing several at once must not starve everyone else.
A call over either cap is refused at once (503 with `Retry-After`) rather
than queued, so it cannot pile up behind the others either.

With several uvicorn workers the caps must hold across processes, so each
slot is then a lock file in a directory the workers share
(`CIBGRAPH_API_SLOT_DIR`, which `cibgraph serve` sets): taking a slot is a
non-blocking `flock` on one of the files, and the kernel releases it when the
holder finishes or dies. One process without a directory counts in memory.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path


class Busy(Exception):
    """No slot for another heavy query; try again after `retry_after` seconds."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class HeavySlots:
    def __init__(
        self, per_key: int, total: int, retry_after: int, directory: Path | None = None
    ) -> None:
        self.per_key = per_key
        self.total = total
        self.retry_after = retry_after
        self.directory = directory
        self._lock = threading.Lock()
        self._running: Counter[str] = Counter()

    @staticmethod
    def _id(key: str) -> str:
        # Only a digest is kept, so the counters never hold a key.
        return hashlib.sha256(key.encode()).hexdigest()[:16]

    @contextmanager
    def slot(self, key: str) -> Iterator[None]:
        who = self._id(key)
        if self.directory is not None:
            with self._file_slot(who):
                yield
            return
        with self._lock:
            if self._running[who] >= self.per_key:
                raise self._busy_per_key()
            if self._running.total() >= self.total:
                raise self._busy_total()
            self._running[who] += 1
        try:
            yield
        finally:
            with self._lock:
                self._running[who] -= 1
                if self._running[who] <= 0:
                    del self._running[who]

    def _busy_per_key(self) -> Busy:
        return Busy(
            f"this API key already runs {self.per_key} heavy queries; wait for one to finish",
            self.retry_after,
        )

    def _busy_total(self) -> Busy:
        return Busy(
            f"{self.total} heavy queries are already running; try again shortly",
            self.retry_after,
        )

    @contextmanager
    def _file_slot(self, who: str) -> Iterator[None]:
        assert self.directory is not None
        with ExitStack() as held:
            if not _take_one(
                held, [self.directory / f"key-{who}-{i}.lock" for i in range(self.per_key)]
            ):
                raise self._busy_per_key()
            if not _take_one(held, [self.directory / f"all-{i}.lock" for i in range(self.total)]):
                raise self._busy_total()
            yield


def _take_one(held: ExitStack, paths: list[Path]) -> bool:
    """Lock the first free file of `paths` for the life of `held`; False when all are taken.
    Each attempt opens its own file description, so threads of one process exclude each
    other exactly as processes do."""
    for path in paths:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            continue
        held.callback(os.close, fd)  # closing the descriptor drops the lock
        return True
    return False
