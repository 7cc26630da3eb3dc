"""The running emulator's own state: configuration, execution environments, the async engine.

moto creates Lambda backends itself (one per account and region), so they find this state through
``current()``. ``install``/``uninstall`` bound its lifetime; nothing else is global.
"""

from __future__ import annotations

from dataclasses import dataclass

from .async_engine import AsyncEngine, AsyncEvent
from .runtime.spec import AttemptResult, FunctionSpec
from .runtime.workers import WorkerPool

# Facts §1: the Event payload limit was 262144 bytes until Oct 2025 and is 1 MB since.
DEFAULT_ASYNC_PAYLOAD_LIMIT = 1_048_576


@dataclass(frozen=True)
class EmulatorConfig:
    endpoint_url: str
    time_scale: float = 1.0
    async_payload_limit: int = DEFAULT_ASYNC_PAYLOAD_LIMIT
    duplicate_rate: float = 0.0  # share of async events delivered twice (idempotency testing)
    seed: int | None = None


class Emulator:
    def __init__(self, config: EmulatorConfig) -> None:
        from .lambda_backend import resolve_async_event, submit_async

        self.config = config
        self.pool = WorkerPool(config.endpoint_url)
        self.engine = AsyncEngine(
            resolve_async_event,
            self.run_attempt,
            submit_async,
            time_scale=config.time_scale,
            duplicate_rate=config.duplicate_rate,
            seed=config.seed,
        )

    def run_attempt(
        self, spec: FunctionSpec, request_id: str, payload: bytes, limit: int | None = None
    ) -> AttemptResult:
        """Run one attempt; raises workers.Throttled when ``limit`` attempts already run."""
        worker = self.pool.acquire(spec, limit)
        try:
            return worker.invoke(request_id, payload, spec.qualified_arn)
        finally:
            self.pool.release(worker)

    def reset(self) -> list[AsyncEvent]:
        """moto's reset: forget queued events; returns those that had no outcome yet."""
        return self.engine.reset()

    def shutdown(self) -> list[AsyncEvent]:
        """Stop everything; return the accepted events that never reached an outcome."""
        pending = self.engine.shutdown()
        self.pool.shutdown()
        return pending


_current: Emulator | None = None


def install(emulator: Emulator) -> None:
    global _current
    _current = emulator


def uninstall() -> None:
    global _current
    _current = None


def current() -> Emulator:
    if _current is None:
        raise RuntimeError("the asyncdlq emulator is not running in this process")
    return _current
