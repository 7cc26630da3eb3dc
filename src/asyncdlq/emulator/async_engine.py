"""Lambda's asynchronous pipeline: the event queue, attempts, retries, event age, failure handling.

Timings follow facts §2: a retry starts about 60 s after attempt 1 ends and 120 s after attempt 2
ends; a retry that would start after MaximumEventAgeInSeconds is not scheduled and the event fails
at once with EventAgeExceeded. Throttles are retried with exponential backoff from 1 s up to 5 min,
bounded only by the event age, and do not count as attempts. ``time_scale`` multiplies every delay
and the age limit.

Every accepted event ends in exactly one outcome: Success, RetriesExhausted, EventAgeExceeded,
ZeroReservedConcurrency or FunctionDeleted; a delivery that fails is recorded and counted.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import os
import random
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import Any, Callable

from . import moto_glue, permissions
from .delivery import (
    AsyncInvoker,
    DeliveryError,
    invocation_record,
    send_to_dead_letter,
    send_to_destination,
)
from .runtime.spec import AttemptResult, FunctionSpec
from .runtime.workers import Throttled

log = logging.getLogger(__name__)

RETRY_DELAYS_S = (60.0, 120.0)  # after the end of attempt 1, after the end of attempt 2
THROTTLE_FIRST_DELAY_S = 1.0
THROTTLE_MAX_DELAY_S = 300.0


@dataclass(frozen=True)
class AsyncSettings:
    """The function's error handling as it stands when an attempt ends."""

    maximum_retry_attempts: int = 2
    maximum_event_age_s: float = 21600
    dead_letter_arn: str | None = None
    on_success_arn: str | None = None
    on_failure_arn: str | None = None
    reserved_concurrency: int | None = None
    role_arn: str | None = None  # deliveries are made with the execution role


@dataclass
class AsyncEvent:
    request_id: str
    account_id: str
    region: str
    function_name: str
    qualifier: str
    payload: bytes
    received_at: float = field(default_factory=time.time)
    duplicate: bool = False  # an extra delivery of an already accepted event (at least once)
    attempts: list[AttemptResult] = field(default_factory=list)
    throttles: int = 0
    outcome: str | None = None
    deliveries: list[dict[str, Any]] = field(default_factory=list)
    finished_at: float | None = None

    def summary(self) -> dict[str, Any]:
        return {
            "request_id": self.request_id,
            "function_name": self.function_name,
            "qualifier": self.qualifier,
            "duplicate": self.duplicate,
            "received_at": self.received_at,
            "outcome": self.outcome,
            "finished_at": self.finished_at,
            "throttles": self.throttles,
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
# Runs one attempt within the function's concurrency; raises Throttled when it is at its limit.
Runner = Callable[[FunctionSpec, str, bytes, "int | None"], AttemptResult]


class AsyncEngine:
    def __init__(
        self,
        resolve: Resolver,
        run: Runner,
        invoke_async: AsyncInvoker,
        time_scale: float = 1.0,
        duplicate_rate: float = 0.0,
        seed: int | None = None,
        max_workers: int | None = None,
    ) -> None:
        if time_scale <= 0:
            raise ValueError("time_scale must be > 0 (1 = AWS timing, 1/60 = a minute per second)")
        if not 0 <= duplicate_rate <= 1:
            raise ValueError("duplicate_rate must be between 0 and 1")
        self.time_scale = time_scale
        self.duplicate_rate = duplicate_rate
        self._random = random.Random(seed)
        self._resolve = resolve
        self._run = run
        self._invoke_async = invoke_async
        # Attempts at once. Each may start a worker process; far more than the cores only makes
        # a burst thrash (measured: 16 at once on 2 cores made 4 clients slower than 1).
        workers = max_workers or max(4, 2 * (os.cpu_count() or 2))
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="attempt")
        self._heap: list[tuple[float, int, AsyncEvent]] = []
        self._seq = itertools.count()
        self._cv = threading.Condition()
        self._events: list[AsyncEvent] = []
        self.counters: Counter[str] = Counter()
        self._stopping = False
        self._scheduler = threading.Thread(
            target=self._schedule_loop, daemon=True, name="async-scheduler"
        )
        self._scheduler.start()

    # -- intake -------------------------------------------------------------------------------
    def submit(self, event: AsyncEvent) -> None:
        copies = [event]
        if self.duplicate_rate and self._random.random() < self.duplicate_rate:
            copies.append(replace(event, duplicate=True, attempts=[], deliveries=[]))
        with self._cv:
            self._events.extend(copies)
        now = time.time()
        for copy_ in copies:
            self._schedule(copy_, now)

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
            self._attempt_unguarded(event)
        except Exception:  # never lose an event to a bug: record it and move on
            log.exception("async event %s failed inside the emulator", event.request_id)
            self._finish(event, "EmulatorError")

    def _attempt_unguarded(self, event: AsyncEvent) -> None:
        if event.outcome is not None:
            return  # forgotten by a reset while it waited
        resolved = self._resolve(event)
        if resolved is None:
            self._finish(event, "FunctionDeleted")  # AWS discards a deleted function's events
            return
        spec, settings = resolved
        if settings.reserved_concurrency == 0:
            self._fail(event, "ZeroReservedConcurrency", spec, settings)
            return
        try:
            result = self._run(spec, event.request_id, event.payload, settings.reserved_concurrency)
        except Throttled:
            self._retry_throttled(event, spec, settings)
            return
        event.attempts.append(result)
        # Settings are read again after the attempt: an update meanwhile applies, as on AWS.
        resolved = self._resolve(event)
        if resolved is None:
            self._finish(event, "FunctionDeleted")
            return
        spec, settings = resolved
        if result.ok:
            self._succeed(event, spec, settings)
            return
        made = len(event.attempts)
        if made > settings.maximum_retry_attempts:
            self._fail(event, "RetriesExhausted", spec, settings)
            return
        next_start = result.ended_at + RETRY_DELAYS_S[made - 1] * self.time_scale
        if self._too_old(event, next_start, settings):
            self._fail(event, "EventAgeExceeded", spec, settings)
            return
        self._schedule(event, next_start)

    def _retry_throttled(self, event: AsyncEvent, spec: FunctionSpec, settings: AsyncSettings):
        event.throttles += 1
        self.counters[f"{spec.function_name}:Throttles"] += 1
        delay = min(THROTTLE_FIRST_DELAY_S * 2 ** (event.throttles - 1), THROTTLE_MAX_DELAY_S)
        next_start = time.time() + delay * self.time_scale
        if self._too_old(event, next_start, settings):
            self._fail(event, "EventAgeExceeded", spec, settings)
        else:
            self._schedule(event, next_start)

    def _too_old(self, event: AsyncEvent, next_start: float, settings: AsyncSettings) -> bool:
        return next_start - event.received_at > settings.maximum_event_age_s * self.time_scale

    # -- outcomes -------------------------------------------------------------------------------
    def _record(self, event: AsyncEvent, spec: FunctionSpec, condition: str) -> dict[str, Any]:
        last = event.attempts[-1] if event.attempts else None
        return invocation_record(
            request_id=event.request_id,
            function_arn=f"{spec.function_arn}:{event.qualifier}",
            condition=condition,
            attempts=len(event.attempts),
            payload=event.payload,
            response=last.payload if last else None,
            function_error=None if last is None or last.ok else "Unhandled",
            executed_version=spec.version,
        )

    def _succeed(self, event: AsyncEvent, spec: FunctionSpec, settings: AsyncSettings) -> None:
        if settings.on_success_arn:
            self._deliver_record(event, spec, settings, settings.on_success_arn, "Success", True)
        self._finish(event, "Success")

    def _fail(
        self, event: AsyncEvent, condition: str, spec: FunctionSpec, settings: AsyncSettings
    ) -> None:
        # With both a DLQ and an on-failure destination, both receive the event (facts §3).
        if settings.dead_letter_arn:
            self._deliver_dead_letter(event, spec, settings, settings.dead_letter_arn)
        if settings.on_failure_arn:
            self._deliver_record(event, spec, settings, settings.on_failure_arn, condition, False)
        self._finish(event, condition)

    @staticmethod
    def _check_role(spec: FunctionSpec, settings: AsyncSettings, target: str) -> None:
        # The permission was checked at configuration time; it may have been removed since.
        if settings.role_arn and not permissions.may_deliver(
            spec.account_id, settings.role_arn, target
        ):
            raise DeliveryError(f"the execution role may no longer deliver to {target}")

    def _deliver_dead_letter(
        self, event: AsyncEvent, spec: FunctionSpec, settings: AsyncSettings, target: str
    ) -> None:
        last = event.attempts[-1] if event.attempts else None
        entry: dict[str, Any] = {"kind": "dead-letter", "target": target}
        try:
            self._check_role(spec, settings, target)
            entry["message_id"] = send_to_dead_letter(
                target, event.payload, event.request_id, last.error_message if last else None
            )
            entry["delivered"] = True
        except DeliveryError as exc:
            entry.update(delivered=False, error=str(exc))
            self._count_failure(spec, "DeadLetterErrors", exc)
        event.deliveries.append(entry)

    def _deliver_record(
        self,
        event: AsyncEvent,
        spec: FunctionSpec,
        settings: AsyncSettings,
        target: str,
        condition: str,
        success: bool,
    ) -> None:
        kind = "on-success" if success else "on-failure"
        entry: dict[str, Any] = {"kind": kind, "target": target}
        try:
            self._check_role(spec, settings, target)
            record = self._record(event, spec, condition)
            entry["id"] = send_to_destination(target, record, success, self._invoke_async)
            entry["delivered"] = True
        except DeliveryError as exc:
            entry.update(delivered=False, error=str(exc))
            self._count_failure(spec, "DestinationDeliveryFailures", exc)
        event.deliveries.append(entry)

    def _count_failure(self, spec: FunctionSpec, metric: str, exc: Exception) -> None:
        # AWS drops the event and counts it in this metric of the AWS/Lambda namespace.
        log.warning("%s: %s", metric, exc)
        self.counters[f"{spec.function_name}:{metric}"] += 1
        try:
            moto_glue.put_lambda_metric(spec.account_id, spec.region, spec.function_name, metric)
        except Exception:  # the count in self.counters stands even if CloudWatch refuses it
            log.exception("could not record %s in CloudWatch", metric)

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

    # -- introspection, reset and shutdown ----------------------------------------------------
    def events(self) -> list[AsyncEvent]:
        with self._cv:
            return list(self._events)

    def pending(self) -> list[AsyncEvent]:
        return [e for e in self.events() if e.outcome is None]

    def reset(self) -> list[AsyncEvent]:
        """Forget every event (moto's reset); returns those that had no outcome yet."""
        with self._cv:
            pending = [e for e in self._events if e.outcome is None]
            for event in pending:
                event.outcome, event.finished_at = "Reset", time.time()
            self._heap.clear()
            self._events.clear()
            self.counters.clear()
        return pending

    def shutdown(self) -> list[AsyncEvent]:
        """Stop scheduling; return the events that had not reached an outcome."""
        with self._cv:
            self._stopping = True
            self._cv.notify_all()
        self._scheduler.join(timeout=5)
        self._executor.shutdown(wait=False, cancel_futures=True)
        return self.pending()
