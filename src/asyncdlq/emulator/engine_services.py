"""Everything the async engine needs from the rest of the emulator, passed in as one object.

instance.py builds the real one (moto's backends, the worker pool, the IAM evaluator, the clock); the
engine's tests build fakes, so they run with no moto, no HTTP and no processes.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Callable

from .async_events import AsyncEvent, AsyncSettings
from .runtime.spec import AttemptResult, FunctionSpec

# Given an event, the function's current spec and async settings; None once it is deleted.
Resolver = Callable[[AsyncEvent], "tuple[FunctionSpec, AsyncSettings] | None"]
# (spec, request id, payload, reserved concurrency) -> the attempt. Returns ok=False for every
# function error; raises runtime.workers.Throttled at the concurrency limit; any other exception
# is an error of the emulator itself (AWS's service-side error).
Runner = Callable[[FunctionSpec, str, bytes, "int | None"], AttemptResult]
# (target ARN, original payload, request id, error message) -> message id; raises DeliveryError.
DeadLetterSender = Callable[[str, bytes, str, "str | None"], str]
# (destination ARN, invocation record, success) -> id; raises DeliveryError.
DestinationSender = Callable[[str, "dict[str, Any]", bool], str]
# (account id, execution role ARN, target ARN) -> whether the role may deliver there now.
RoleCheck = Callable[[str, str, str], bool]
# (account id, region, function name, metric name) -> None: one count in AWS/Lambda.
MetricSink = Callable[[str, str, str, str], None]


@dataclass(frozen=True)
class EngineServices:
    resolve: Resolver
    run: Runner
    send_dead_letter: DeadLetterSender
    send_destination: DestinationSender
    may_deliver: RoleCheck
    put_metric: MetricSink
    now: Callable[[], float] = time.time
