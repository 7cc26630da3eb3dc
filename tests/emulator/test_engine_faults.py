"""Property: whatever fails, and when, every accepted event reaches exactly one outcome AWS would
produce, and every failed event reaches its DLQ and on-failure destination unless that delivery
itself fails, which is then counted (docs/aws-behaviour.md, Retry timing and event age; Dead-letter
queues; Destinations and dead-letter targets; Reserved concurrency 0;
Service-side errors during an async attempt).

Failures are injected at every step the engine depends on: resolving the function, starting the
worker and invoking (both surface as exceptions from the runner), encoding the result (a spoiled
result), the role check, each delivery, the metric, and the clock (jumps forward).
"""

from __future__ import annotations

import random
import zipfile
from collections import Counter
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from asyncdlq.emulator.async_events import FAILURE_CONDITIONS, AsyncSettings

from .engine_fakes import DLQ, ON_FAILURE, ON_SUCCESS, ROLE, World, drain, event_for

# Fresh exceptions each time: a raised instance keeps its traceback, and a reused one grows it.
ERRORS = [
    lambda: zipfile.BadZipFile("File is not a zip file"),  # a worker that cannot start
    lambda: UnicodeEncodeError("utf-8", "\ud800", 0, 1, "surrogates not allowed"),  # a result
    lambda: OSError("pipe closed"),
    lambda: RuntimeError("emulator bug"),
]
OUTCOMES = (
    {"Success", "RetriesExhausted", "EventAgeExceeded"}
    | set(FAILURE_CONDITIONS)
    | {"FunctionDeleted"}
)

rates = st.floats(0, 0.6)


@st.composite
def function_settings(draw: Any) -> AsyncSettings:
    return AsyncSettings(
        maximum_retry_attempts=draw(st.integers(0, 2)),
        maximum_event_age_s=draw(st.sampled_from([60, 90, 200, 3600, 21600])),
        dead_letter_arn=draw(st.sampled_from([None, DLQ])),
        on_failure_arn=draw(st.sampled_from([None, ON_FAILURE])),
        on_success_arn=draw(st.sampled_from([None, ON_SUCCESS])),
        reserved_concurrency=draw(st.sampled_from([None, None, 0, 1])),
        role_arn=ROLE,
    )


class FaultPlan:
    """Draws each step's fate from a seeded generator and remembers what it did per event."""

    def __init__(self, world: World, rng: random.Random, p: dict[str, float]) -> None:
        self.world, self.rng, self.p = world, rng, p
        self.deleted: set[str] = set()
        self.run_errors: Counter[str] = Counter()
        self.resolve_errors = 0
        self.throttles: Counter[str] = Counter()

    def _jump(self) -> None:
        if self.rng.random() < self.p["clock"]:
            self.world.clock.t += self.rng.choice([0.5, 30, 600, 7200])

    def fault(self, step: str, target: str) -> Any:
        self._jump()
        r = self.rng.random()
        if step == "resolve":
            if r < self.p["delete"] / 10:
                self.deleted.add(target)
            if r > 1 - self.p["resolve"]:
                self.resolve_errors += 1
                return self.rng.choice(ERRORS)()
            return None
        if step == "role-check":
            return "denied" if r < self.p["deliver"] / 3 else None
        if r < self.p["deliver"] / 2:
            return "refused"
        if r < self.p["deliver"]:
            return self.rng.choice(ERRORS)()
        return None

    def run_step(self, request_id: str) -> Any:
        self._jump()
        r = self.rng.random()
        if r < self.p["throttle"]:
            self.throttles[request_id] += 1
            return "throttle"
        if r < self.p["throttle"] + self.p["system"]:
            self.run_errors[request_id] += 1
            return self.rng.choice(ERRORS)()
        return "ok" if self.rng.random() < self.p["success"] else "error"

    def spoil(self, result: Any) -> None:
        if self.rng.random() < self.p["spoil"]:
            result.ended_at = None  # a result the engine's bookkeeping cannot use


def _expected_targets(outcome: str, config: AsyncSettings, ever_resolved: bool) -> list[tuple]:
    if outcome == "Success":
        return [("on-success", ON_SUCCESS)] if config.on_success_arn else []
    if outcome not in FAILURE_CONDITIONS or not ever_resolved:
        return []
    targets = [("dead-letter", DLQ)] if config.dead_letter_arn else []
    return targets + ([("on-failure", ON_FAILURE)] if config.on_failure_arn else [])


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    configs=st.lists(function_settings(), min_size=1, max_size=3),
    events=st.integers(1, 5),
    seed=st.integers(0, 2**32),
    p=st.fixed_dictionaries(
        {
            "resolve": rates,
            "delete": rates,
            "throttle": rates,
            "system": rates,
            "success": st.floats(0, 1),
            "spoil": st.floats(0, 0.3),
            "deliver": rates,
            "clock": st.floats(0, 0.3),
        }
    ),
)
def test_every_event_reaches_exactly_one_outcome_aws_would_produce(configs, events, seed, p):
    rng = random.Random(seed)
    names = [f"fn{i}" for i in range(len(configs))]
    world = World(settings=dict(zip(names, configs)))
    plan = FaultPlan(world, rng, p)
    world.fault, world.run_step, world.on_result = plan.fault, plan.run_step, plan.spoil
    resolved_ok: set[str] = set()
    real_resolve = world.resolve

    def resolve(event):
        got = real_resolve(event)  # raises when the plan says so
        if event.function_name in plan.deleted:
            return None
        resolved_ok.add(event.request_id)
        return got

    world.resolve = resolve  # type: ignore[method-assign]
    engine = world.engine(time_scale=1.0)
    submitted = {}
    for i in range(events):
        name = rng.choice(names)
        event = event_for(name, f"r{i}", b'{"n": %d}' % i)
        engine.submit(event)
        submitted[event.request_id] = (event, world.settings[name])
    drain(engine, world.clock)

    assert engine.take_next() is None and engine.pending() == []
    assert sorted(e.request_id for e in engine.events()) == sorted(submitted)
    undelivered: Counter[str] = Counter()
    for rid, (event, config) in submitted.items():
        name = event.function_name
        assert event.outcome in OUTCOMES and event.finished_at is not None
        # Attempts are the runs that returned a result; throttles and system errors are not.
        assert len(event.attempts) == world.returned.get(rid, 0)
        assert event.throttles == plan.throttles[rid]
        assert plan.run_errors[rid] <= event.system_errors
        runs = [t for r, t in world.runs if r == rid]
        assert len(runs) == len(event.attempts) + plan.throttles[rid] + plan.run_errors[rid]
        assert all(t <= event.finished_at for t in runs)  # nothing runs after the outcome
        assert all(t - event.received_at <= config.maximum_event_age_s for t in runs)
        assert all(not a.ok for a in event.attempts[:-1])
        last_ok = bool(event.attempts and event.attempts[-1].ok)
        # A function deleted while its event ran discards the event, whatever the attempt did.
        if last_ok and name not in plan.deleted:
            assert event.outcome == "Success"
        if event.outcome == "Success":
            assert last_ok
        if event.outcome == "RetriesExhausted":
            assert len(event.attempts) == config.maximum_retry_attempts + 1
        if event.outcome == "ZeroReservedConcurrency":
            assert config.reserved_concurrency == 0 and event.attempts == []
        if config.reserved_concurrency == 0:
            assert event.attempts == []
        if event.outcome == "FunctionDeleted":
            assert name in plan.deleted
        if event.outcome == "EventAgeExceeded":
            assert len(event.attempts) <= config.maximum_retry_attempts
            # Given up only when the next try (at most 5 min away) would start too late.
            assert event.finished_at - event.received_at + 300 > config.maximum_event_age_s
        expected = _expected_targets(event.outcome, config, rid in resolved_ok)
        assert [(d["kind"], d["target"]) for d in event.deliveries] == expected
        for entry in event.deliveries:
            kind = "dead-letter" if entry["kind"] == "dead-letter" else "record"
            sent = [s for s in world.sent if s[:3] == (kind, entry["target"], rid)]
            assert len(sent) == (1 if entry["delivered"] else 0)
            if not entry["delivered"]:
                metric = "DeadLetterErrors" if kind == "dead-letter" else "Destination"
                undelivered[f"{name}:{metric}"] += 1
            elif kind == "dead-letter":
                assert sent[0][3] == event.payload  # the original bytes
            else:
                context = sent[0][3]["requestContext"]
                assert context["condition"] == event.outcome
                assert context["approximateInvokeCount"] == len(event.attempts)
    for name in names:
        assert (
            engine.counters[f"{name}:DeadLetterErrors"] == undelivered[f"{name}:DeadLetterErrors"]
        )
        assert (
            engine.counters[f"{name}:DestinationDeliveryFailures"]
            == undelivered[f"{name}:Destination"]
        )
    assert len(world.sent) == len({s[:3] for s in world.sent})  # never delivered twice
