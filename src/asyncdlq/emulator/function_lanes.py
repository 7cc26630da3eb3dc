"""Each function's own async queue and attempt threads, as Lambda keeps one queue per function.

A lane holds the function's due-time ordered events and at most ``cap`` daemon threads that run
them, started on demand and ended when the lane has been empty for a while. Lanes share nothing
but a lock held for microseconds, so one function's sleepers or throttled events never hold up
another's.

With reserved concurrency the cap is that concurrency: events beyond it wait in the lane and go
as soon as a slot frees, instead of each backing off on its own (docs/aws-behaviour.md, Async
records, logs and throttles). A new lane runs one event until the engine has read the function
and set the cap, so a burst never outruns a limit it does not know yet. An event that had to
wait for a slot is reported to ``on_held`` once per wait (the engine counts it as a throttle). Daemon threads, not a ThreadPoolExecutor: the interpreter joins an executor's threads
at exit, which made a stopping emulator wait for every running attempt.

With ``threaded=False`` nothing runs by itself: ``take_next`` hands out the earliest event of all
lanes, so tests can drive the engine step by step on a virtual clock.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Callable

from .async_events import AsyncEvent

log = logging.getLogger(__name__)

# Waits are cut into slices so a clock that jumps (suspend, NTP) is re-read soon after.
_MAX_WAIT_S = 1.0
_IDLE_EXIT_S = 5.0


@dataclass
class _Lane:
    cap: int
    cv: threading.Condition
    heap: list[tuple[float, int, AsyncEvent]] = field(default_factory=list)
    threads: int = 0
    waiting: int = 0
    running: int = 0  # events handed to the handler and not yet back
    limited: bool = False  # the cap is the function's reserved concurrency
    # The last moment every slot was taken: an event due before it waited for a slot.
    full_at: float = float("-inf")


class FunctionLanes:
    def __init__(
        self,
        handle: Callable[[AsyncEvent], None],
        now: Callable[[], float],
        default_cap: int,
        threaded: bool = True,
        idle_exit_s: float = _IDLE_EXIT_S,
        on_held: Callable[[AsyncEvent], None] | None = None,
    ) -> None:
        if default_cap < 1:
            raise ValueError("a function's async concurrency must be >= 1")
        self._handle = handle
        self._on_held = on_held
        self._now = now
        self.default_cap = default_cap
        self._threaded = threaded
        self._idle_exit_s = idle_exit_s
        self._lock = threading.Lock()
        self._lanes: dict[str, _Lane] = {}
        self._seq = itertools.count()
        self._stopping = False

    def _lane(self, key: str) -> _Lane:
        lane = self._lanes.get(key)
        if lane is None:
            # One at a time until set_cap: the function's reserved concurrency is not known yet.
            lane = self._lanes[key] = _Lane(1, threading.Condition(self._lock))
        return lane

    def set_cap(self, key: str, reserved: int | None) -> None:
        """The most attempts of this function the lane runs at once, from now on: its reserved
        concurrency, or ``default_cap`` without one."""
        cap = max(1, reserved) if reserved else self.default_cap
        with self._lock:
            lane = self._lane(key)
            lane.limited = bool(reserved)
            if lane.cap == cap:
                return
            if lane.running >= cap:  # full at the new cap: whoever is due now waits for a slot
                lane.full_at = self._now()
            lane.cap = cap
            if self._threaded and lane.heap:
                self._wake(key, lane)

    def schedule(self, key: str, event: AsyncEvent, due: float) -> bool:
        """Queue the event in its function's lane; False once the lanes are stopped."""
        with self._lock:
            if self._stopping:
                return False
            lane = self._lane(key)
            heapq.heappush(lane.heap, (due, next(self._seq), event))
            if self._threaded:
                self._wake(key, lane)
        return True

    def _wake(self, key: str, lane: _Lane) -> None:
        """Make sure a thread looks at the lane's earliest event (called with the lock held)."""
        if lane.waiting:
            lane.cv.notify()
        elif lane.threads == 0 or (
            lane.threads < lane.cap and lane.heap and lane.heap[0][0] <= self._now()
        ):
            lane.threads += 1
            threading.Thread(
                target=self._loop, args=(key, lane), daemon=True, name=f"attempts {key}"
            ).start()

    def _loop(self, key: str, lane: _Lane) -> None:
        while (taken := self._next(key, lane)) is not None:
            event, held = taken
            try:
                if held and self._on_held is not None:
                    self._on_held(event)
                self._handle(event)
            except Exception:  # the handler guards itself; this keeps the lane serving
                log.exception("async lane %s: unexpected error handling %s", key, event.request_id)
            finally:
                self._done(lane)

    def _done(self, lane: _Lane) -> None:
        with self._lock:
            if lane.running >= lane.cap:
                lane.full_at = self._now()
            lane.running -= 1

    def _next(self, key: str, lane: _Lane) -> tuple[AsyncEvent, bool] | None:
        idle_since: float | None = None
        with self._lock:
            # A thread beyond a lowered cap ends here rather than run one event too many.
            while not self._stopping and lane.threads <= lane.cap:
                now = self._now()
                if lane.heap and lane.heap[0][0] <= now:
                    due, _, event = heapq.heappop(lane.heap)
                    lane.running += 1
                    if lane.heap:  # hand the next due event on rather than queue it behind us
                        self._wake(key, lane)
                    return event, lane.limited and lane.full_at >= due
                if lane.heap:
                    idle_since, timeout = None, min(lane.heap[0][0] - now, _MAX_WAIT_S)
                else:
                    idle_since = time.monotonic() if idle_since is None else idle_since
                    if time.monotonic() - idle_since >= self._idle_exit_s:
                        break
                    timeout = self._idle_exit_s
                lane.waiting += 1
                try:
                    lane.cv.wait(timeout)
                finally:
                    lane.waiting -= 1
            lane.threads -= 1
            if lane.threads == 0 and not lane.heap and self._lanes.get(key) is lane:
                del self._lanes[key]
        return None

    # -- driving by hand (threaded=False) -------------------------------------------------------
    def take_next(self) -> tuple[float, AsyncEvent] | None:
        """The earliest queued event of all lanes and its due time, or None when all are empty."""
        with self._lock:
            lanes = [lane for lane in self._lanes.values() if lane.heap]
            if not lanes:
                return None
            lane = min(lanes, key=lambda candidate: candidate.heap[0][:2])
            due, _, event = heapq.heappop(lane.heap)
            return due, event

    # -- introspection, reset and stop ----------------------------------------------------------
    def threads(self, key: str) -> int:
        with self._lock:
            lane = self._lanes.get(key)
            return lane.threads if lane else 0

    def clear(self) -> None:
        """Drop every queued event (their threads end once idle)."""
        with self._lock:
            for lane in self._lanes.values():
                lane.heap.clear()

    def stop(self) -> None:
        """Schedule nothing more; waiting threads end now, running ones after their attempt."""
        with self._lock:
            self._stopping = True
            for lane in self._lanes.values():
                lane.heap.clear()
                lane.cv.notify_all()
