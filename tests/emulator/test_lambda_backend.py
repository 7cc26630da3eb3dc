"""The Lambda backend bound to a fake emulator: resolving events, submitting them, reserved
concurrency and deletion, with moto's in-memory backends only (no HTTP, no processes).

Each test uses an account of its own, so moto's process-wide IAM and the session emulator's
state never meet these functions."""

from __future__ import annotations

import base64
import json
import random
from dataclasses import dataclass, field
from typing import Any

import pytest
from moto.iam.models import iam_backends

from asyncdlq.aws.arn import Arn
from asyncdlq.emulator.async_engine import AsyncEngine
from asyncdlq.emulator.async_events import AsyncEvent
from asyncdlq.emulator.engine_services import EngineServices
from asyncdlq.emulator.lambda_backend import LambdaBackends, TooManyRequests
from asyncdlq.emulator.runtime.spec import AttemptResult, FunctionSpec
from asyncdlq.emulator.runtime.workers import Throttled

from .conftest import zip_source
from .engine_fakes import Clock, attempt, drain

REGION = "us-east-1"
SOURCE = "def lambda_handler(event, context):\n    return event\n"


@dataclass
class FakeHost:
    """The emulator as the backend sees it: what was run, submitted and retired."""

    run_step: str = "ok"  # or "throttle"
    runs: list[tuple[FunctionSpec, str, int | None]] = field(default_factory=list)
    submitted: list[AsyncEvent] = field(default_factory=list)
    retired: list[tuple[str, str | None]] = field(default_factory=list)

    def run_attempt(
        self, spec: FunctionSpec, request_id: str, payload: bytes, limit: int | None = None
    ) -> AttemptResult:
        self.runs.append((spec, request_id, limit))
        if self.run_step == "throttle":
            raise Throttled(spec.function_arn)
        return attempt(request_id, True, 0.0)

    def submit(self, event: AsyncEvent) -> None:
        self.submitted.append(event)

    def retire_function(self, function_arn: str, version: str | None) -> None:
        self.retired.append((function_arn, version))


@dataclass
class Setup:
    host: FakeHost
    lambdas: LambdaBackends
    account: str
    role: str

    @property
    def backend(self) -> Any:
        return self.lambdas.backend(self.account, REGION)

    def create(self, name: str = "fn", **spec: Any) -> Any:
        return self.backend.create_function(
            {
                "FunctionName": name,
                "Runtime": "python3.12",
                "Role": self.role,
                "Handler": "handler.lambda_handler",
                "Code": {"ZipFile": base64.b64encode(zip_source(SOURCE)).decode()},
                **spec,
            }
        )

    def event(self, name: str = "fn", qualifier: str = "$LATEST") -> AsyncEvent:
        return AsyncEvent("r1", self.account, REGION, name, qualifier, b"{}")


@pytest.fixture
def setup() -> Setup:
    account = f"{random.randrange(10**11, 10**12):012d}"
    role = iam_backends[account]["aws"].create_role(
        "fn-role", json.dumps({"Version": "2012-10-17", "Statement": []}), "/", None, "", [], None
    )
    host = FakeHost()
    return Setup(host, LambdaBackends(host), account, role.arn)


def test_resolve_reads_the_function_and_its_async_settings_as_they_are_now(setup) -> None:
    setup.create(Timeout=7, MemorySize=256)
    setup.backend.put_function_event_invoke_config(
        "fn", {"MaximumRetryAttempts": 1, "MaximumEventAgeInSeconds": 120}
    )
    spec, settings = setup.lambdas.resolve(setup.event())
    assert spec.function_arn == f"arn:aws:lambda:{REGION}:{setup.account}:function:fn"
    assert (spec.account_id, spec.region, spec.version) == (setup.account, REGION, "$LATEST")
    assert (spec.timeout_s, spec.memory_mb) == (7.0, 256)
    assert (settings.maximum_retry_attempts, settings.maximum_event_age_s) == (1, 120)
    assert settings.role_arn == setup.role and settings.reserved_concurrency is None
    setup.backend.update_function_configuration("fn", "$LATEST", {"Timeout": 9})
    assert setup.lambdas.resolve(setup.event())[0].timeout_s == 9.0  # no snapshot kept


def test_an_unknown_function_resolves_to_none(setup) -> None:
    assert setup.lambdas.resolve(setup.event("nobody")) is None


def test_an_event_invoke_reaches_the_host_with_its_request_id(setup) -> None:
    fn = setup.create()
    request_id = setup.backend.invoke_async(fn, None, b'{"k": 1}')
    (event,) = setup.host.submitted
    assert (event.request_id, event.function_name, event.qualifier) == (request_id, "fn", "$LATEST")
    assert (event.account_id, event.region, event.payload) == (setup.account, REGION, b'{"k": 1}')
    assert setup.host.runs == []  # the engine runs it, not the backend


def test_a_lambda_destination_is_submitted_by_arn_with_its_qualifier(setup) -> None:
    setup.create()
    arn = f"arn:aws:lambda:{REGION}:{setup.account}:function:fn"
    setup.lambdas.submit_async(setup.account, REGION, arn + ":$LATEST", b"{}")
    setup.lambdas.submit_async(setup.account, REGION, arn, b"{}")
    assert [e.qualifier for e in setup.host.submitted] == ["$LATEST", "$LATEST"]
    assert setup.lambdas.function_exists(Arn.parse(arn))
    assert setup.lambdas.function_exists(Arn.parse(arn + ":$LATEST"))
    assert not setup.lambdas.function_exists(Arn.parse(arn + "x"))


def test_reserved_concurrency_reaches_the_runner_settings_and_code(setup) -> None:
    fn = setup.create()
    setup.backend.put_function_concurrency("fn", "1")
    result = setup.backend.invoke_sync(fn, b"{}", "sync-1")
    assert result.ok and setup.host.runs[0][1:] == ("sync-1", 1)
    setup.host.run_step = "throttle"
    with pytest.raises(TooManyRequests):
        setup.backend.invoke_sync(fn, b"{}", "sync-2")
    setup.backend.put_function_concurrency("fn", "0")
    with pytest.raises(TooManyRequests):
        setup.backend.invoke_sync(fn, b"{}", "sync-3")
    assert len(setup.host.runs) == 2  # at 0 nothing runs at all
    assert setup.lambdas.resolve(setup.event())[1].reserved_concurrency == 0
    code = setup.backend.get_function("fn").get_code()
    assert code["Concurrency"] == {"ReservedConcurrentExecutions": 0}


def test_deleting_a_function_retires_its_environments_and_its_events(setup) -> None:
    fn = setup.create()
    clock = Clock()
    services = EngineServices(
        resolve=setup.lambdas.resolve,
        run=setup.host.run_attempt,
        send_dead_letter=lambda *args: "",
        send_destination=lambda *args: "",
        may_deliver=lambda *args: True,
        put_metric=lambda *args: None,
        now=clock.now,
    )
    engine = AsyncEngine(services, threaded=False)
    setup.host.submit = engine.submit  # type: ignore[method-assign]
    setup.backend.invoke_async(fn, None, b"{}")
    setup.backend.delete_function("fn")
    assert setup.host.retired == [(f"arn:aws:lambda:{REGION}:{setup.account}:function:fn", None)]
    drain(engine, clock)
    (event,) = engine.events()
    assert event.outcome == "FunctionDeleted" and setup.host.runs == []


def test_each_emulator_has_its_own_functions(setup) -> None:
    setup.create()
    other = LambdaBackends(FakeHost())
    assert other.resolve(setup.event()) is None
    assert setup.lambdas.resolve(setup.event()) is not None
