"""A fake world for the async engine: a virtual clock, functions, a runner and delivery targets
whose every step can be told to fail. No moto, no HTTP, no processes."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Callable

from asyncdlq.emulator import delivery
from asyncdlq.emulator.async_engine import AsyncEngine
from asyncdlq.emulator.async_events import AsyncEvent, AsyncSettings
from asyncdlq.emulator.delivery import DeliveryError
from asyncdlq.emulator.engine_services import EngineServices
from asyncdlq.emulator.runtime.spec import AttemptResult, FunctionSpec
from asyncdlq.emulator.runtime.workers import Throttled

ACCOUNT, REGION = "123456789012", "us-east-1"
DLQ = f"arn:aws:sqs:{REGION}:{ACCOUNT}:dlq"
ON_FAILURE = f"arn:aws:sqs:{REGION}:{ACCOUNT}:failed"
ON_SUCCESS = f"arn:aws:sns:{REGION}:{ACCOUNT}:ok"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/fn"


class Clock:
    def __init__(self, start: float = 1_700_000_000.0) -> None:
        self.t = start

    def now(self) -> float:
        return self.t


def spec_for(name: str) -> FunctionSpec:
    return FunctionSpec(
        account_id=ACCOUNT,
        region=REGION,
        function_name=name,
        function_arn=f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}",
        version="$LATEST",
        handler="handler.lambda_handler",
        runtime="python3.12",
        memory_mb=128,
        timeout_s=3.0,
        environment=(),
        code_sha256="0",
        code_zip=b"",
    )


def event_for(name: str, request_id: str, payload: bytes = b'{"k": 1}') -> AsyncEvent:
    return AsyncEvent(request_id, ACCOUNT, REGION, name, "$LATEST", payload)


def attempt(request_id: str, ok: bool, start: float, duration_s: float = 0.1) -> AttemptResult:
    error = None if ok else {"errorMessage": "boom", "errorType": "Exception"}
    return AttemptResult(
        request_id=request_id,
        ok=ok,
        payload=b'"done"' if ok else json.dumps(error).encode(),
        error=error,
        log_stream="stream",
        started_at=start,
        ended_at=start + duration_s,
        duration_ms=duration_s * 1000,
        cold_start=False,
    )


@dataclass
class World:
    """Run outcomes come from ``run_step(request_id)``: "ok", "error", "throttle", or an
    exception to raise. Delivery faults come from ``fault(step, target)``: None (works),
    "refused" (a DeliveryError), or an exception to raise."""

    clock: Clock = field(default_factory=Clock)
    settings: dict[str, AsyncSettings] = field(default_factory=dict)
    run_step: Callable[[str], Any] = lambda request_id: "ok"
    fault: Callable[[str, str], Any] = lambda step, target: None
    attempt_s: float = 0.1
    on_result: Callable[[AttemptResult], None] = lambda result: None  # may spoil a result
    real_destinations: bool = False  # send records through delivery.send_to_destination
    runs: list[tuple[str, float]] = field(default_factory=list)
    returned: dict[str, int] = field(default_factory=dict)  # request id -> results returned
    sent: list[tuple[str, str, str, Any]] = field(default_factory=list)  # kind, target, id, body
    metrics: list[tuple[str, str]] = field(default_factory=list)

    def services(self) -> EngineServices:
        return EngineServices(
            resolve=self.resolve,
            run=self.run,
            send_dead_letter=self.send_dead_letter,
            send_destination=self.send_destination,
            may_deliver=self.may_deliver,
            put_metric=self.put_metric,
            now=self.clock.now,
        )

    def engine(self, **kwargs: Any) -> AsyncEngine:
        kwargs.setdefault("threaded", False)
        return AsyncEngine(self.services(), **kwargs)

    def _inject(self, step: str, target: str) -> None:
        what = self.fault(step, target)
        if what == "refused":
            raise DeliveryError(f"{step} refused by {target}")
        if isinstance(what, BaseException):
            raise what

    def resolve(self, event: AsyncEvent) -> tuple[FunctionSpec, AsyncSettings] | None:
        self._inject("resolve", event.function_name)
        settings = self.settings.get(event.function_name)
        return None if settings is None else (spec_for(event.function_name), settings)

    def run(
        self, spec: FunctionSpec, request_id: str, payload: bytes, limit: int | None
    ) -> AttemptResult:
        self.runs.append((request_id, self.clock.t))
        step = self.run_step(request_id)
        if step == "throttle":
            raise Throttled(spec.function_arn)
        if isinstance(step, BaseException):
            raise step
        result = attempt(request_id, step == "ok", self.clock.t, self.attempt_s)
        self.clock.t += self.attempt_s
        self.returned[request_id] = self.returned.get(request_id, 0) + 1
        self.on_result(result)
        return result

    def send_dead_letter(
        self, target: str, payload: bytes, request_id: str, error_message: str | None
    ) -> str:
        self._inject("dead-letter", target)
        self.sent.append(("dead-letter", target, request_id, payload))
        return f"m-{len(self.sent)}"

    def send_destination(self, target: str, record: dict[str, Any], success: bool) -> str:
        self._inject("destination", target)
        if self.real_destinations:
            return delivery.send_to_destination(target, record, success, self._no_lambda)
        self.sent.append(("record", target, record["requestContext"]["requestId"], record))
        return f"m-{len(self.sent)}"

    @staticmethod
    def _no_lambda(account_id: str, region: str, target: str, payload: bytes) -> str:
        raise AssertionError("no Lambda destinations in this world")

    def may_deliver(self, account_id: str, role_arn: str, target: str) -> bool:
        what = self.fault("role-check", target)  # None, "denied" or an exception
        if isinstance(what, BaseException):
            raise what
        return what != "denied"

    def put_metric(self, account_id: str, region: str, function_name: str, metric: str) -> None:
        self._inject("metric", metric)
        self.metrics.append((function_name, metric))


def drain(engine: AsyncEngine, clock: Clock, limit: int = 20_000) -> int:
    """Run every queued event to its end on the virtual clock; returns the dispatches made."""
    for steps in range(limit):
        item = engine.take_next()
        if item is None:
            return steps
        due, event = item
        clock.t = max(clock.t, due)
        engine.process(event)
    raise AssertionError(f"the engine still had events queued after {limit} dispatches")
