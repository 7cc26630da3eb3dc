"""Lambda's asynchronous pipeline: the event queue, attempts, retry delays, event age, DLQ.

Timings follow facts §2: a retry starts about 60 s after attempt 1 ends and 120 s after attempt 2
ends; a retry that would start after MaximumEventAgeInSeconds is not scheduled and the event fails
at once with EventAgeExceeded. ``time_scale`` multiplies both delays and the age limit.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Callable

from .delivery import DeliveryError, send_to_dead_letter
from .runtime.spec import AttemptResult, FunctionSpec

log = logging.getLogger(__name__)

RETRY_DELAYS_S = (60.0, 120.0)  # after the end of attempt 1, after the end of attempt 2


@dataclass(frozen=True)
class AsyncSettings:
    """The function's error handling as it stands when an attempt ends."""

    maximum_retry_attempts: int = 2
    maximum_event_age_s: float = 21600
    dead_letter_arn: str | None = None


@dataclass
class AsyncEvent:
    request_id: str
    account_id: str
    region: str
    function_name: str
    qualifier: str
    payload: bytes
    received_at: float = field(default_factory=time.time)
    attempts: list[AttemptResult] = field(default_factory=list)
    outcome: str | None = None  # Success | RetriesExhausted | EventAgeExceeded | FunctionDeleted
    deliveries: list[dict[str, Any]] = field(default_factory=list)
    finished_at: float | None = None

    def summary(self) -> dict[str, Any]:
        return {
            "request_id": self.request_id,
            "function_name": self.function_name,
            "qualifier": self.qualifier,
            "received_at": self.received_at,
            "outcome": self.outcome,
            "finished_at": self.finished_at,
            "attempts": [
                {
                    "started_at": a.started_at,
                    "ended_at": a.ended_at,
                    "ok": a.ok,
                    "error_type": a.error_type,
                    "error_message": a.error_message,
                    "log_stream": a.log_stream,
                    "cold_start": a.cold_start,
                }
                for a in self.attempts
            ],
            "deliveries": self.deliveries,
        }


# Given an event, the function's current spec and async settings; None once it is deleted.
Resolver = Callable[[AsyncEvent], "tuple[FunctionSpec, AsyncSettings] | None"]
Runner = Callable[[FunctionSpec, str, bytes], AttemptResult]


class AsyncEngine:
    def __init__(
        self, resolve: Resolver, run: Runner, time_scale: float = 1.0, max_workers: int = 16
    ) -> None:
        if time_scale <= 0:
            raise ValueError("time_scale must be > 0 (1 = AWS timing, 1/60 = a minute per second)")
        self.time_scale = time_scale
        self._resolve = resolve
        self._run = run
        self._executor = ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="attempt")
        self._heap: list[tuple[float, int, AsyncEvent]] = []
        self._seq = itertools.count()
        self._cv = threading.Condition()
        self._events: dict[str, AsyncEvent] = {}
        self._stopping = False
        self._scheduler = threading.Thread(
            target=self._schedule_loop, daemon=True, name="async-scheduler"
        )
        self._scheduler.start()

    # -- intake -------------------------------------------------------------------------------
    def submit(self, event: AsyncEvent) -> None:
        with self._cv:
            self._events[event.request_id] = event
        self._schedule(event, time.time())

    def _schedule(self, event: AsyncEvent, due: float) -> None:
        with self._cv:
            heapq.heappush(self._heap, (due, next(self._seq), event))
            self._cv.notify()

    def _schedule_loop(self) -> None:
        while True:
            with self._cv:
                while not self._stopping and (not self._heap or self._heap[0][0] > time.time()):
                    timeout = self._heap[0][0] - time.time() if self._heap else None
                    self._cv.wait(timeout)
                if self._stopping:
                    return
                _, _, event = heapq.heappop(self._heap)
            self._executor.submit(self._attempt, event)

    # -- one attempt and what follows --------------------------------------------------------
    def _attempt(self, event: AsyncEvent) -> None:
        try:
            resolved = self._resolve(event)
            if resolved is None:
                # AWS discards queued events of a deleted function.
                self._finish(event, "FunctionDeleted")
                return
            spec, _ = resolved
            result = self._run(spec, event.request_id, event.payload)
            event.attempts.append(result)
            if result.ok:
                self._finish(event, "Success")
                return
            # Settings are read again after the attempt: an update meanwhile applies, as on AWS.
            resolved = self._resolve(event)
            if resolved is None:
                self._finish(event, "FunctionDeleted")
                return
            _, settings = resolved
            made = len(event.attempts)
            if made > settings.maximum_retry_attempts:
                self._fail(event, "RetriesExhausted", settings)
                return
            next_start = result.ended_at + RETRY_DELAYS_S[made - 1] * self.time_scale
            if next_start - event.received_at > settings.maximum_event_age_s * self.time_scale:
                self._fail(event, "EventAgeExceeded", settings)
                return
            self._schedule(event, next_start)
        except Exception:  # never lose an event to a bug: record it and move on
            log.exception("async event %s failed inside the emulator", event.request_id)
            self._finish(event, "EmulatorError")

    def _fail(self, event: AsyncEvent, condition: str, settings: AsyncSettings) -> None:
        last = event.attempts[-1] if event.attempts else None
        if settings.dead_letter_arn:
            record: dict[str, Any] = {"kind": "dead-letter", "target": settings.dead_letter_arn}
            try:
                record["message_id"] = send_to_dead_letter(
                    settings.dead_letter_arn,
                    event.payload,
                    event.request_id,
                    last.error_message if last else None,
                )
                record["delivered"] = True
            except DeliveryError as exc:
                # AWS drops the event and counts it in the DeadLetterErrors metric.
                record.update(delivered=False, error=str(exc))
                log.warning("%s", exc)
            event.deliveries.append(record)
        self._finish(event, condition)

    def _finish(self, event: AsyncEvent, outcome: str) -> None:
        event.outcome = outcome
        event.finished_at = time.time()
        log.info(
            "async %s %s: %s after %d attempt(s)",
            event.function_name,
            event.request_id,
            outcome,
            len(event.attempts),
        )

    # -- introspection and shutdown -----------------------------------------------------------
    def events(self) -> list[AsyncEvent]:
        with self._cv:
            return list(self._events.values())

    def pending(self) -> list[AsyncEvent]:
        return [e for e in self.events() if e.outcome is None]

    def shutdown(self) -> list[AsyncEvent]:
        """Stop scheduling; return the events that had not reached an outcome."""
        with self._cv:
            self._stopping = True
            self._cv.notify_all()
        self._scheduler.join(timeout=5)
        self._executor.shutdown(wait=False, cancel_futures=True)
        return self.pending()
