"""An accepted asynchronous event, the function settings it is handled with, and its outcomes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..aws.timing import DEFAULT_EVENT_AGE_S, DEFAULT_RETRY_ATTEMPTS
from .runtime.spec import AttemptResult, FunctionSpec
from .trigger_sources import TriggerSource

# The conditions of AWS's invocation record (docs/aws-behaviour.md, Destinations and dead-letter
# targets) and the outcomes of the emulator's own life cycle (a deleted function's events are
# discarded; moto's reset forgets queued events).
SUCCESS = "Success"
RETRIES_EXHAUSTED = "RetriesExhausted"
EVENT_AGE_EXCEEDED = "EventAgeExceeded"
ZERO_RESERVED_CONCURRENCY = "ZeroReservedConcurrency"
FUNCTION_DELETED = "FunctionDeleted"
RESET = "Reset"
FAILURE_CONDITIONS = (RETRIES_EXHAUSTED, EVENT_AGE_EXCEEDED, ZERO_RESERVED_CONCURRENCY)

# Kept of an error message once an event's payloads are evicted from the event log.
_EVICTED_MESSAGE_LIMIT = 1024


@dataclass(frozen=True)
class AsyncSettings:
    """The function's error handling as it stands when an attempt ends."""

    maximum_retry_attempts: int = DEFAULT_RETRY_ATTEMPTS
    maximum_event_age_s: float = DEFAULT_EVENT_AGE_S
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
    received_at: float = 0.0  # set by the engine's clock when it accepts the event
    duplicate: bool = False  # an extra delivery of an already accepted event (at least once)
    # The ARN the caller invoked (bare or qualified): the handler's context.invoked_function_arn.
    invoked_arn: str = ""
    # The service that invoked (SNS, EventBridge, S3); None for an Invoke call.
    source: TriggerSource | None = None
    attempts: list[AttemptResult] = field(default_factory=list)
    throttles: int = 0
    # Errors inside the emulator (AWS's 5xx system errors): retried, never counted as attempts.
    system_errors: int = 0
    last_system_error: str | None = None
    outcome: str | None = None
    # The outcome being delivered: claimed first (one outcome per event), published as
    # ``outcome`` once its deliveries are recorded, so whoever sees an outcome sees them too.
    concluding: str | None = field(default=None, repr=False)
    deliveries: list[dict[str, Any]] = field(default_factory=list)
    finished_at: float | None = None
    payload_evicted: bool = False
    # The function as last resolved: what a failure is delivered with if resolving fails later.
    resolved: tuple[FunctionSpec, AsyncSettings] | None = field(default=None, repr=False)

    @property
    def lane(self) -> str:
        """The function's async queue: one per function, whatever the qualifier (AWS's too)."""
        return f"{self.account_id}:{self.region}:{self.function_name}"

    def requeues(self) -> int:
        """Dispatches that ran no attempt: throttles and system errors share one backoff."""
        return self.throttles + self.system_errors

    def size_bytes(self) -> int:
        """What the event holds, roughly: its payloads and a fixed share for the rest."""
        size = 1024 + len(self.payload) + 256 * len(self.deliveries)
        for attempt in self.attempts:
            size += 512 + len(attempt.payload) + len(attempt.error_message or "")
            size += len(attempt.log_tail)
        return size

    def evict_payloads(self) -> None:
        """Drop what only a pending event needs; the summary stays (messages cut to 1 KB)."""
        self.payload = b""
        self.payload_evicted = True
        self.resolved = None
        for attempt in self.attempts:
            attempt.payload = b""
            attempt.log_tail = b""  # the CloudWatch stream keeps the whole log
            if attempt.error is not None:
                attempt.error = {
                    "errorType": attempt.error_type,
                    "errorMessage": (attempt.error_message or "")[:_EVICTED_MESSAGE_LIMIT],
                }

    def summary(self) -> dict[str, Any]:
        return {
            "request_id": self.request_id,
            "function_name": self.function_name,
            "qualifier": self.qualifier,
            "duplicate": self.duplicate,
            "source": self.source.summary() if self.source else None,
            "received_at": self.received_at,
            "outcome": self.outcome,
            "finished_at": self.finished_at,
            "throttles": self.throttles,
            "system_errors": self.system_errors,
            "last_system_error": self.last_system_error,
            "payload_evicted": self.payload_evicted,
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
