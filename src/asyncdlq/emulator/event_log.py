"""The engine's record of accepted events, for introspection, within a memory budget.

Pending events are kept whole whatever the budget: their payload is still to be delivered. Over
the budget, finished events lose their payloads first (oldest first), then the oldest finished
events go altogether; what ``/_asyncdlq/invocations`` shows of the rest is unchanged.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from .async_events import AsyncEvent

DEFAULT_EVENT_LOG_BYTES = 64 * 1024 * 1024


class EventLog:
    def __init__(self, budget_bytes: int = DEFAULT_EVENT_LOG_BYTES) -> None:
        if budget_bytes < 0:
            raise ValueError("the event log budget must be >= 0 bytes")
        self.budget_bytes = budget_bytes
        self._lock = threading.Lock()
        self._events: dict[int, AsyncEvent] = {}  # in order of acceptance
        self._sizes: dict[int, int] = {}
        self._with_payload: OrderedDict[int, None] = OrderedDict()  # finished, oldest first
        self._finished: OrderedDict[int, None] = OrderedDict()
        self._total = 0
        self.evicted_payloads = 0
        self.evicted_events = 0

    @property
    def total_bytes(self) -> int:
        return self._total

    def add(self, event: AsyncEvent) -> None:
        with self._lock:
            key = id(event)
            self._events[key] = event
            self._resize(key, event)
            self._enforce()

    def finished(self, event: AsyncEvent) -> None:
        """The event has its outcome: it may now be trimmed to keep the budget."""
        with self._lock:
            key = id(event)
            if key not in self._events:
                return  # forgotten by a reset meanwhile
            self._resize(key, event)
            self._finished[key] = None
            if not event.payload_evicted:
                self._with_payload[key] = None
            self._enforce()

    def _resize(self, key: int, event: AsyncEvent) -> None:
        size = event.size_bytes()
        self._total += size - self._sizes.get(key, 0)
        self._sizes[key] = size

    def _enforce(self) -> None:
        while self._total > self.budget_bytes and self._with_payload:
            key, _ = self._with_payload.popitem(last=False)
            event = self._events[key]
            event.evict_payloads()
            self._resize(key, event)
            self.evicted_payloads += 1
        while self._total > self.budget_bytes and self._finished:
            key, _ = self._finished.popitem(last=False)
            self._events.pop(key)
            self._total -= self._sizes.pop(key)
            self.evicted_events += 1

    def events(self) -> list[AsyncEvent]:
        with self._lock:
            return list(self._events.values())

    def pending(self) -> list[AsyncEvent]:
        with self._lock:
            return [e for e in self._events.values() if e.outcome is None]

    def clear(self) -> list[AsyncEvent]:
        """Forget everything; returns what was held."""
        with self._lock:
            events = list(self._events.values())
            self._events.clear()
            self._sizes.clear()
            self._with_payload.clear()
            self._finished.clear()
            self._total = 0
            return events
