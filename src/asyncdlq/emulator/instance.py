"""The running emulator: configuration, execution environments, Lambda's backends, the engine.

This is where the parts are wired, once, in the direction data flows: moto's Lambda backends and
responses are bound to this emulator (lambda_backend.LambdaBackends, lambda_responses.bind_response)
and the engine gets everything it uses through EngineServices. Nothing here is global: two
emulators in one process keep separate Lambda state (the other services are moto's own).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..aws.arn import Arn
from . import delivery, moto_glue, permissions
from .async_engine import AsyncEngine
from .async_events import AsyncEvent
from .engine_services import EngineServices
from .event_log import DEFAULT_EVENT_LOG_BYTES
from .lambda_backend import LambdaBackends
from .lambda_responses import EmulatedLambdaResponse, bind_response
from .logs_visibility import LogWriter
from .profile import PLAIN, EmulatorProfile
from .runtime.spec import AttemptResult, FunctionSpec
from .runtime.workers import DEFAULT_IDLE_TIMEOUT_S, WorkerPool
from .trigger_delivery import TriggerDeliveries
from .triggers import Triggers

# docs/aws-behaviour.md, The invoke call: the Event payload limit was 262144 bytes until Oct 2025
# and is 1 MB since.
DEFAULT_ASYNC_PAYLOAD_LIMIT = 1_048_576


@dataclass(frozen=True)
class EmulatorConfig:
    endpoint_url: str
    time_scale: float = 1.0
    async_payload_limit: int = DEFAULT_ASYNC_PAYLOAD_LIMIT
    duplicate_rate: float = 0.0  # share of async events delivered twice (idempotency testing)
    seed: int | None = None
    # Introspection keeps finished events within this many bytes (payloads are dropped first).
    event_log_bytes: int = DEFAULT_EVENT_LOG_BYTES
    idle_timeout_s: float = DEFAULT_IDLE_TIMEOUT_S  # a warm environment unused this long retires
    # Only for a process that runs nothing but the emulator (the CLI): it adopts the orphans of
    # handlers' double forks, so shutdown finds and kills them (WorkerPool).
    adopt_orphans: bool = False
    # How kind the emulator is (profile.py): plain, or AWS at its least convenient.
    profile: EmulatorProfile = PLAIN


class Emulator:
    def __init__(self, config: EmulatorConfig) -> None:
        self.config = config
        profile = config.profile
        # When the log events the emulator writes become readable, and their clock (profile.py).
        self.log_writer = LogWriter(
            profile.log_visibility_delay_s, profile.clock_skew_s, config.time_scale
        )
        self.pool = WorkerPool(
            config.endpoint_url,
            idle_timeout_s=config.idle_timeout_s,
            adopt_orphans=config.adopt_orphans,
            may_create_log_group=may_create_log_group,
            log_writer=self.log_writer,
        )
        self.lambdas = LambdaBackends(self)
        self.lambda_response: type[EmulatedLambdaResponse] = bind_response(
            self.lambdas, config.async_payload_limit
        )
        self.engine = AsyncEngine(
            self.engine_services(),
            time_scale=config.time_scale,
            # An explicit --duplicate-rate wins over the profile's.
            duplicate_rate=config.duplicate_rate or config.profile.duplicate_rate,
            seed=config.seed if config.seed is not None else config.profile.seed,
            event_log_bytes=config.event_log_bytes,
            retry_lateness=profile.retry_lateness,
        )
        # What SNS, EventBridge and S3 hand to this emulator's functions (moto_triggers.py).
        self.triggers = Triggers(TriggerDeliveries(self.lambdas))

    def engine_services(self) -> EngineServices:
        """The async engine's view of the emulator: moto's backends, the pool, IAM, the clock."""

        def send_destination(target: str, record: dict[str, Any], success: bool) -> str:
            return delivery.send_to_destination(target, record, success, self.lambdas.submit_async)

        return EngineServices(
            resolve=self.lambdas.resolve,
            run=self.run_attempt,
            send_dead_letter=delivery.send_to_dead_letter,
            send_destination=send_destination,
            may_deliver=permissions.may_deliver,
            put_metric=moto_glue.put_lambda_metric,
        )

    def run_attempt(
        self, spec: FunctionSpec, request_id: str, payload: bytes, limit: int | None = None
    ) -> AttemptResult:
        """Run one attempt; raises workers.Throttled when ``limit`` attempts already run."""
        worker = self.pool.acquire(spec, limit)
        try:
            return worker.invoke(request_id, payload, spec.invoked_function_arn)
        finally:
            self.pool.release(worker)

    def submit(self, event: AsyncEvent) -> None:
        self.engine.submit(event)

    def retire_function(self, function_arn: str, version: str | None) -> None:
        self.pool.retire_function(function_arn, version)

    def reset(self) -> list[AsyncEvent]:
        """moto's reset: forget queued events and refusals; returns the events that had no
        outcome yet."""
        self.triggers.deliveries.reset()
        self.log_writer.drop()  # lines for log groups moto no longer has
        return self.engine.reset()

    def shutdown(self) -> list[AsyncEvent]:
        """Stop everything; return the accepted events that never reached an outcome."""
        pending = self.engine.shutdown()
        self.pool.shutdown()
        self.log_writer.close()  # what was logged is written, not lost
        return pending


def may_create_log_group(spec: FunctionSpec) -> bool:
    """Whether the function's role may create its log group again after it was deleted
    (docs/aws-behaviour.md, Async records, logs and throttles)."""
    partition = Arn.parse(spec.function_arn).partition
    group = f"arn:{partition}:logs:{spec.region}:{spec.account_id}:log-group:{spec.log_group}"
    return permissions.role_may(spec.account_id, spec.role_arn, "logs:CreateLogGroup", group)
