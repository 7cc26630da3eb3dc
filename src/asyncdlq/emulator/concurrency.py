"""Per-function concurrency: how many attempts of a function may run at once.

A function with reserved concurrency N runs at most N invocations at a time; the next one is
throttled (429 for a synchronous invoke, a backoff retry for an async event).
"""

from __future__ import annotations

import contextlib
import threading
from collections import Counter
from collections.abc import Iterator


class Throttled(Exception):
    """The function already runs as many invocations as its reserved concurrency allows."""


class ConcurrencyLimiter:
    def __init__(self) -> None:
        self._busy: Counter[str] = Counter()
        self._lock = threading.Lock()

    @contextlib.contextmanager
    def slot(self, function_arn: str, limit: int | None) -> Iterator[None]:
        with self._lock:
            if limit is not None and self._busy[function_arn] >= limit:
                raise Throttled(function_arn)
            self._busy[function_arn] += 1
        try:
            yield
        finally:
            with self._lock:
                self._busy[function_arn] -= 1

    def busy(self, function_arn: str) -> int:
        with self._lock:
            return self._busy[function_arn]
