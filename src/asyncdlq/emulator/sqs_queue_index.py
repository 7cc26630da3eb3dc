"""The messages of one standard SQS queue, indexed so every queue operation costs O(log depth).

moto keeps a queue as one list and scans it (with two clock reads per message) on every receive,
delete, visibility change and attribute read. This index holds the same moto ``Message`` objects
and answers the same questions from:

- a heap of the messages a receive may return now, by arrival order (moto returns the oldest
  visible message first, and a message whose visibility timeout ran out keeps its place);
- a heap of the messages in flight or delayed, by the time they become receivable;
- a heap by ``SentTimestamp``, for the retention period;
- a dict receipt handle -> message (moto accepts any handle a message was ever given);
- counters for the three ``ApproximateNumberOf*`` attributes.

Heap entries are never removed in place: an entry whose slot changed state since it was pushed
(``generation`` differs) or left the queue is skipped when it surfaces, and the heaps are rebuilt
once stale entries outnumber live ones. The caller serializes access (the queue's lock).

The time predicates are moto's own (``Message.visible`` and ``Message.delayed``), so a message is
receivable here exactly when moto would return it.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Iterator
from typing import Any

READY, IN_FLIGHT, DELAYED, GONE = "ready", "in flight", "delayed", "gone"

# Rebuild the heaps when they hold this many entries more than live ones (amortized O(1)).
_COMPACT_SLACK = 4096


class Slot:
    __slots__ = ("generation", "message", "seq", "state")

    def __init__(self, seq: int, message: Any) -> None:
        self.seq = seq
        self.message = message
        self.state = GONE
        self.generation = 0


class QueueIndex:
    def __init__(self) -> None:
        self._reset()

    def _reset(self) -> None:
        self._seq = itertools.count()
        self._slots: dict[int, Slot] = {}  # id(message) -> slot, in arrival order
        self._handles: dict[str, Slot] = {}
        self._ready: list[tuple[int, int, Slot]] = []  # (seq, generation, slot)
        self._later: list[tuple[float, int, int, Slot]] = []  # (due ms, seq, generation, slot)
        self._expiry: list[tuple[float, int, Slot]] = []  # (SentTimestamp ms, seq, slot)
        self.counts = {READY: 0, IN_FLIGHT: 0, DELAYED: 0}

    def __len__(self) -> int:
        return len(self._slots)

    def messages(self) -> Iterator[Any]:
        """Every message in the queue, in arrival order (moto's ``Queue._messages``)."""
        return (slot.message for slot in list(self._slots.values()))

    def in_state(self, state: str) -> list[Any]:
        return [slot.message for slot in self._slots.values() if slot.state == state]

    def add(self, message: Any) -> None:
        if id(message) in self._slots:
            return  # moto appends a message once; never index it twice
        slot = Slot(next(self._seq), message)
        self._slots[id(message)] = slot
        for handle in message.all_receipt_handles:  # a message moved here from its source queue
            if handle is not None:
                self._handles[handle] = slot
        if message.sent_timestamp is not None:
            heapq.heappush(self._expiry, (message.sent_timestamp, slot.seq, slot))
        self._place(slot)

    def find(self, receipt_handle: str) -> Slot | None:
        return self._handles.get(receipt_handle)

    def slot_of(self, message: Any) -> Slot | None:
        return self._slots.get(id(message))

    def remove(self, slot: Slot) -> None:
        if slot.state == GONE:
            return
        self.counts[slot.state] -= 1
        slot.state = GONE
        del self._slots[id(slot.message)]
        for handle in slot.message.all_receipt_handles:
            if handle is not None and self._handles.get(handle) is slot:
                del self._handles[handle]
        slot.message = None  # stale heap entries must not keep a body alive

    def clear(self) -> None:
        for slot in self._slots.values():
            slot.state, slot.message = GONE, None
        self._reset()

    def refresh(self, now_ms: float, retention_s: float) -> None:
        """Drop what outlived the retention period (AWS deletes it: docs/aws-behaviour.md,
        SQS); make due messages receivable.

        Call it only while no receive holds a popped slot: it may rebuild the heaps.
        """
        if len(self._ready) + len(self._later) + len(self._expiry) > 4 * len(self._slots) + (
            _COMPACT_SLACK
        ):
            self._rebuild()
        limit_ms = now_ms - retention_s * 1000
        while self._expiry and self._expiry[0][0] <= limit_ms:
            _, _, slot = heapq.heappop(self._expiry)
            self.remove(slot)
        not_yet = []
        while self._later and self._later[0][0] <= now_ms:
            entry = heapq.heappop(self._later)
            _, _, generation, slot = entry
            if slot.generation != generation or slot.state == GONE:
                continue
            if not self._receivable(slot.message):
                # Due this very millisecond, but moto's visibility check is strict (a delay's
                # is not): kept for a later call, without holding back the entries behind it.
                not_yet.append(entry)
                continue
            self._set(slot, READY)
            heapq.heappush(self._ready, (slot.seq, slot.generation, slot))
        for entry in not_yet:
            heapq.heappush(self._later, entry)

    def pop_ready(self) -> Slot | None:
        """The oldest receivable message, taken out of the ready heap (its state is unchanged)."""
        while self._ready:
            _, generation, slot = heapq.heappop(self._ready)
            if slot.generation == generation and slot.state == READY:
                return slot
        return None

    def received(self, slot: Slot) -> None:
        """After ``Message.mark_received`` (a new receipt handle, maybe a new visibility)."""
        handle = slot.message.receipt_handle
        if handle is not None:
            self._handles[handle] = slot
        self._place(slot)

    def changed(self, slot: Slot) -> None:
        """After ``Message.change_visibility``."""
        self._place(slot)

    def requeue(self, slot: Slot) -> None:
        """Return a popped, still receivable message to its place (visibility timeout 0)."""
        if slot.state == READY:
            heapq.heappush(self._ready, (slot.seq, slot.generation, slot))

    def next_due_ms(self) -> float | None:
        """When the next in-flight or delayed message may become receivable (maybe stale)."""
        return self._later[0][0] if self._later else None

    @staticmethod
    def _receivable(message: Any) -> bool:
        return bool(message.visible and not message.delayed)

    def _place(self, slot: Slot) -> None:
        message = slot.message
        if not message.visible:
            self._set(slot, IN_FLIGHT)
            heapq.heappush(self._later, (message.visible_at, slot.seq, slot.generation, slot))
        elif message.delayed:
            self._set(slot, DELAYED)
            heapq.heappush(self._later, (message.delayed_until, slot.seq, slot.generation, slot))
        elif slot.state != READY:
            self._set(slot, READY)
            heapq.heappush(self._ready, (slot.seq, slot.generation, slot))
        # Else still receivable: its heap entry stays valid, or, popped by a receive, that
        # receive requeues it.

    def _set(self, slot: Slot, state: str) -> None:
        if slot.state != GONE:
            self.counts[slot.state] -= 1
        slot.state = state
        slot.generation += 1
        self.counts[state] += 1

    def _rebuild(self) -> None:
        live = list(self._slots.values())
        self._ready = [(s.seq, s.generation, s) for s in live if s.state == READY]
        self._later = [
            (max(s.message.visible_at, s.message.delayed_until), s.seq, s.generation, s)
            for s in live
            if s.state in (IN_FLIGHT, DELAYED)
        ]
        self._expiry = [
            (s.message.sent_timestamp, s.seq, s) for s in live if s.message.sent_timestamp
        ]
        for heap in (self._ready, self._later, self._expiry):
            heapq.heapify(heap)
