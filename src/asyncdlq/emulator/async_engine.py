"""Lambda's asynchronous pipeline: attempts, retries, event age and the outcome of every event.

Timings are ``asyncdlq.aws.timing``'s (docs/aws-behaviour.md, Retry timing and event age): each
retry waits its delay after the attempt before ends; a retry that would start after
MaximumEventAgeInSeconds is not scheduled and the event fails at once with EventAgeExceeded.
With ``retry_lateness`` (the aws profile) each retry starts later than its delay by a seeded
random share of it (retry_lateness.py), and the event-age look-ahead sees that later start.
With reserved concurrency, events beyond it wait in the function's queue and go as soon as a slot
frees (function_lanes.py; docs/aws-behaviour.md, Async records, logs and throttles); each wait
counts as a throttle, and an event still expires by MaximumEventAgeInSeconds when its turn comes.
A throttle the worker pool reports anyway (a synchronous invoke holds the slot) and errors of the
emulator itself (AWS's system errors) are retried with exponential backoff from 1 s up to 5 min,
bounded only by the event age, and do not count as attempts (docs/aws-behaviour.md,
Service-side errors during an async attempt). ``time_scale`` multiplies every delay and the age
limit.

Every accepted event ends in exactly one outcome: Success, RetriesExhausted, EventAgeExceeded,
ZeroReservedConcurrency or FunctionDeleted (or Reset, by moto's reset); a delivery that fails is
recorded and counted. Each function has its own queue and attempt threads (function_lanes.py).
"""

from __future__ import annotations

import logging
import os
import random
import threading
from collections import Counter
from dataclasses import replace
from typing import Callable

from ..aws.timing import backoff_delay_s, retry_delay_s, too_old_to_start
from .async_events import (
    EVENT_AGE_EXCEEDED,
    FUNCTION_DELETED,
    RESET,
    RETRIES_EXHAUSTED,
    SUCCESS,
    ZERO_RESERVED_CONCURRENCY,
    AsyncEvent,
    AsyncSettings,
)
from .engine_services import EngineServices
from .event_log import DEFAULT_EVENT_LOG_BYTES, EventLog
from .function_lanes import FunctionLanes
from .outcome_delivery import THROTTLES, OutcomeDelivery
from .retry_lateness import RetryLateness
from .runtime.spec import FunctionSpec
from .runtime.workers import Throttled

__all__ = ["AsyncEngine", "AsyncEvent", "AsyncSettings", "EngineServices"]

log = logging.getLogger(__name__)

# Attempts of one function at once when it has no reserved concurrency. Each may start a worker
# process; far more than the cores only makes a burst thrash (measured: 16 at once on 2 cores
# made 4 clients slower than 1). Other functions have their own.
DEFAULT_FUNCTION_CONCURRENCY = max(4, 2 * (os.cpu_count() or 2))
_ERROR_TEXT_LIMIT = 1024


class AsyncEngine:
    def __init__(
        self,
        services: EngineServices,
        time_scale: float = 1.0,
        duplicate_rate: float = 0.0,
        seed: int | None = None,
        function_concurrency: int = DEFAULT_FUNCTION_CONCURRENCY,
        event_log_bytes: int = DEFAULT_EVENT_LOG_BYTES,
        threaded: bool = True,
        retry_lateness: tuple[float, float] = (0.0, 0.0),
    ) -> None:
        if time_scale <= 0:
            raise ValueError("time_scale must be > 0 (1 = AWS timing, 1/60 = a minute per second)")
        if not 0 <= duplicate_rate <= 1:
            raise ValueError("duplicate_rate must be between 0 and 1")
        self.time_scale = time_scale
        self.duplicate_rate = duplicate_rate
        self._random = random.Random(seed)
        self._lateness = RetryLateness(retry_lateness, seed)
        self._services = services
        self._now: Callable[[], float] = services.now
        self._log = EventLog(event_log_bytes)
        self._delivery = OutcomeDelivery(services)
        self._lanes = FunctionLanes(
            self.process, services.now, function_concurrency, threaded, on_held=self._held
        )
        self._lock = threading.Lock()  # who gives an event its outcome; reset; stop
        self._stopped = False

    @property
    def counters(self) -> Counter[str]:
        return self._delivery.counters

    @property
    def event_log(self) -> EventLog:
        return self._log

    # -- intake ---------------------------------------------------------------------------------
    def submit(self, event: AsyncEvent) -> None:
        event.received_at = self._now()
        copies = [event]
        if self.duplicate_rate and self._random.random() < self.duplicate_rate:
            copies.append(replace(event, duplicate=True, attempts=[], deliveries=[]))
        for copy_ in copies:
            self._log.add(copy_)
            self._schedule(copy_, event.received_at)

    def _schedule(self, event: AsyncEvent, due: float) -> None:
        if not self._lanes.schedule(event.lane, event, due):
            log.warning("async event %s left pending: the emulator is stopping", event.request_id)

    def take_next(self) -> tuple[float, AsyncEvent] | None:
        """With ``threaded=False``: the earliest queued event and its due time; then ``process``."""
        return self._lanes.take_next()

    # -- one dispatch of an event ---------------------------------------------------------------
    def process(self, event: AsyncEvent) -> None:
        """Run the event's next attempt (or end it); never lets an error lose the event."""
        try:
            self._dispatch(event)
        except Exception as exc:
            self._system_error(event, exc, "in the engine's bookkeeping")

    def _discarded(self, event: AsyncEvent) -> bool:
        # An outcome (a reset's, too) or a stop: whatever this dispatch found out is dropped.
        return self._stopped or event.outcome is not None or event.concluding is not None

    def _dispatch(self, event: AsyncEvent) -> None:
        if self._discarded(event):
            return
        try:
            resolved = self._services.resolve(event)
        except Exception as exc:
            self._system_error(event, exc, "resolving the function")
            return
        if resolved is None:
            self._conclude(event, FUNCTION_DELETED)  # AWS discards a deleted function's events
            return
        event.resolved = resolved
        spec, settings = resolved
        reserved = settings.reserved_concurrency
        self._lanes.set_cap(event.lane, reserved)
        if self._age_s(event, self._now()) > settings.maximum_event_age_s * self.time_scale:
            self._fail(event, EVENT_AGE_EXCEEDED, spec, settings)  # expired in the queue
            return
        if reserved == 0:
            self._fail(event, ZERO_RESERVED_CONCURRENCY, spec, settings)
            return
        try:
            result = self._services.run(spec, event.request_id, event.payload, reserved)
        except Throttled:
            if not self._discarded(event):
                event.throttles += 1
                self._delivery.count(spec.function_name, THROTTLES)
                self._requeue(event)
            return
        except Exception as exc:
            self._system_error(event, exc, "during the attempt")
            return
        if self._discarded(event):
            log.info("async event %s: result discarded (reset or stop)", event.request_id)
            return
        event.attempts.append(result)
        self._after_attempt(event, resolved)

    def _after_attempt(self, event: AsyncEvent, before: tuple[FunctionSpec, AsyncSettings]) -> None:
        # Settings are read again after the attempt: an update meanwhile applies, as on AWS.
        try:
            resolved = self._services.resolve(event)
        except Exception:
            log.exception(
                "async event %s: settings unreadable, using the earlier", event.request_id
            )
            resolved = before
        if resolved is None:
            self._conclude(event, FUNCTION_DELETED)
            return
        event.resolved = resolved
        spec, settings = resolved
        result = event.attempts[-1]
        if result.ok:
            self._conclude(event, SUCCESS, lambda: self._delivery.on_success(event, spec, settings))
            return
        made = len(event.attempts)
        if made > settings.maximum_retry_attempts:
            self._fail(event, RETRIES_EXHAUSTED, spec, settings)
            return
        next_start = result.ended_at + self._lateness.late(retry_delay_s(made, self.time_scale))
        if self._too_old(event, next_start, settings):
            self._fail(event, EVENT_AGE_EXCEEDED, spec, settings)
            return
        self._schedule(event, next_start)

    # -- throttles and system errors: back to the queue with backoff ---------------------------
    def _held(self, event: AsyncEvent) -> None:
        """The event waited in its lane for a slot of the function's reserved concurrency."""
        if not self._discarded(event):
            event.throttles += 1
            self._delivery.count(event.function_name, THROTTLES)

    def _system_error(self, event: AsyncEvent, exc: Exception, where: str) -> None:
        if self._discarded(event):
            return
        event.system_errors += 1
        event.last_system_error = f"{type(exc).__name__}: {exc}"[:_ERROR_TEXT_LIMIT]
        log.error(
            "async event %s of %s: error inside the emulator %s; retried with backoff as AWS "
            "retries a system error (%d so far)",
            event.request_id,
            event.function_name,
            where,
            event.system_errors,
            exc_info=exc,
        )
        try:
            self._requeue(event)
        except Exception:
            log.critical(
                "async event %s not requeued: left pending", event.request_id, exc_info=True
            )

    def _requeue(self, event: AsyncEvent) -> None:
        next_start = self._now() + backoff_delay_s(event.requeues()) * self.time_scale
        settings = event.resolved[1] if event.resolved else AsyncSettings()
        if self._too_old(event, next_start, settings):
            self._expire(event)
        else:
            self._schedule(event, next_start)

    def _expire(self, event: AsyncEvent) -> None:
        """EventAgeExceeded after throttles or system errors, with the freshest settings."""
        try:
            resolved = self._services.resolve(event)
        except Exception:
            log.exception("async event %s: function unreadable at expiry", event.request_id)
            resolved = event.resolved
            if resolved is None:
                log.error(
                    "async event %s of %s: EventAgeExceeded, and its function could never be "
                    "read, so no dead-letter queue or destination is known to deliver it to",
                    event.request_id,
                    event.function_name,
                )
                self._conclude(event, EVENT_AGE_EXCEEDED)
                return
        if resolved is None:
            self._conclude(event, FUNCTION_DELETED)
            return
        self._fail(event, EVENT_AGE_EXCEEDED, *resolved)

    @staticmethod
    def _age_s(event: AsyncEvent, at: float) -> float:
        return at - event.received_at

    def _too_old(self, event: AsyncEvent, next_start: float, settings: AsyncSettings) -> bool:
        max_age_s = settings.maximum_event_age_s * self.time_scale
        return too_old_to_start(self._age_s(event, next_start), max_age_s)

    # -- outcomes -------------------------------------------------------------------------------
    def _fail(
        self, event: AsyncEvent, condition: str, spec: FunctionSpec, settings: AsyncSettings
    ) -> None:
        self._conclude(
            event, condition, lambda: self._delivery.on_failure(event, spec, settings, condition)
        )

    def _conclude(
        self, event: AsyncEvent, outcome: str, deliver: Callable[[], None] | None = None
    ) -> None:
        """Give the event its one outcome, then send it on; a second caller does nothing."""
        with self._lock:
            if self._discarded(event):
                return
            event.concluding = outcome
        if deliver is not None:
            deliver()
        with self._lock:
            if event.outcome is None:  # else a reset forgot it meanwhile
                event.finished_at = self._now()
                event.outcome = outcome
        event.resolved = None
        self._log.finished(event)
        log.info(
            "async %s %s: %s after %d attempt(s)",
            event.function_name,
            event.request_id,
            outcome,
            len(event.attempts),
        )

    # -- introspection, reset and shutdown ------------------------------------------------------
    def events(self) -> list[AsyncEvent]:
        return self._log.events()

    def pending(self) -> list[AsyncEvent]:
        return self._log.pending()

    def function_threads(self, lane: str) -> int:
        """Attempt threads the function's lane runs now (``AsyncEvent.lane`` names it)."""
        return self._lanes.threads(lane)

    def reset(self) -> list[AsyncEvent]:
        """Forget every event (moto's reset); returns those that had no outcome yet."""
        with self._lock:
            self._lanes.clear()
            pending = [e for e in self._log.clear() if e.outcome is None]
            now = self._now()
            for event in pending:
                event.outcome, event.finished_at = RESET, now
            self._delivery.counters.clear()
        return pending

    def shutdown(self) -> list[AsyncEvent]:
        """Stop at once; return the events without an outcome, those being attempted included.

        Attempts still running finish on their daemon threads and their results are dropped."""
        with self._lock:
            self._stopped = True
            pending = self._log.pending()
        self._lanes.stop()
        return pending
