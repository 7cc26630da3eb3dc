"""A backlog behind reserved concurrency drains as fast as the slots allow (docs/aws-behaviour.md,
Async records, logs and throttles): events beyond the limit wait in the function's queue and go
as soon as a slot frees, instead of each backing off on its own up to 5 minutes. They still
expire by MaximumEventAgeInSeconds.

Three levels: the lanes alone and the engine, both on a virtual clock that only attempts move;
and one run through the emulator at AWS's own timing (time scale 1).
"""

from __future__ import annotations

import threading
import time

import pytest

from asyncdlq.emulator.async_events import AsyncEvent, AsyncSettings
from asyncdlq.emulator.function_lanes import FunctionLanes
from asyncdlq.emulator.runtime.spec import AttemptResult, FunctionSpec
from asyncdlq.emulator.runtime.workers import Throttled

from .engine_fakes import DLQ, ROLE, Clock, World, event_for
from .helpers import invoke_event, wait_outcome

EVENTS = 15


class _Slots:
    """The worker pool's reserved-concurrency check: a run beyond ``limit`` at once throttles."""

    def __init__(self, world: World, limit: int) -> None:
        self.world, self.limit = world, limit
        self.lock = threading.Lock()
        self.busy = self.peak = self.throttled = 0
        self._run = world.run
        # Attempts wait until the test has submitted every event: an attempt moves the virtual
        # clock, and an event submitted after that would be received later than the test means.
        self.submitted = threading.Event()

    def run(self, spec: FunctionSpec, rid: str, payload: bytes, limit: int | None) -> AttemptResult:
        assert self.submitted.wait(10), "the test never said every event was submitted"
        with self.lock:
            if self.busy >= self.limit:
                self.throttled += 1
                raise Throttled(spec.function_arn)
            self.busy += 1
            self.peak = max(self.peak, self.busy)
        try:
            with self.lock:  # the virtual clock is moved by one attempt at a time
                return self._run(spec, rid, payload, limit)
        finally:
            with self.lock:
                self.busy -= 1


def _wait_all(events: list[AsyncEvent], timeout_s: float = 20) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if all(e.outcome for e in events):
            return
        time.sleep(0.01)
    undone = sum(1 for e in events if not e.outcome)
    raise AssertionError(f"{undone} of {len(events)} events undone after {timeout_s} s")


def test_a_lane_with_cap_one_runs_its_backlog_one_after_another_without_gaps() -> None:
    clock, running, peak, handled = Clock(), [0], [0], []
    lock = threading.Lock()

    def handle(event: AsyncEvent) -> None:
        with lock:
            running[0] += 1
            peak[0] = max(peak[0], running[0])
        clock.t += 1.0  # each event holds the slot one virtual second
        with lock:
            running[0] -= 1
            handled.append((event.request_id, clock.t))

    held: list[str] = []
    lanes = FunctionLanes(handle, clock.now, 8, on_held=lambda e: held.append(e.request_id))
    start = clock.t
    lanes.set_cap("fn", 1)
    for i in range(EVENTS):
        lanes.schedule("fn", event_for("fn", f"r{i}"), start)
    deadline = time.monotonic() + 10
    while len(handled) < EVENTS and time.monotonic() < deadline:
        time.sleep(0.01)
    lanes.stop()
    assert [rid for rid, _ in handled] == [f"r{i}" for i in range(EVENTS)]  # in order
    assert peak[0] == 1
    assert handled[-1][1] - start == pytest.approx(EVENTS)  # no second lost between events
    assert held == [f"r{i}" for i in range(1, EVENTS)]  # every one but the first waited


def test_fifteen_events_at_reserved_concurrency_one_take_fifteen_attempt_times() -> None:
    settings = AsyncSettings(reserved_concurrency=1, dead_letter_arn=DLQ, role_arn=ROLE)
    world = World(settings={"fn": settings}, attempt_s=2.0)
    slots = _Slots(world, limit=1)
    world.run = slots.run  # type: ignore[method-assign]
    engine = world.engine(threaded=True)
    start = world.clock.t
    events = [event_for("fn", f"r{i}") for i in range(EVENTS)]
    for event in events:
        engine.submit(event)
    slots.submitted.set()
    try:
        _wait_all(events)
    finally:
        engine.shutdown()
    assert all(e.outcome == "Success" and len(e.attempts) == 1 for e in events)
    assert slots.throttled == 0 and slots.peak == 1  # never dispatched beyond the slot
    # Drain time on the virtual clock: exactly one attempt after another.
    assert world.clock.t - start == pytest.approx(EVENTS * world.attempt_s)
    assert sorted(e.throttles for e in events) == [0] + [1] * (EVENTS - 1)
    assert engine.counters["fn:Throttles"] == EVENTS - 1


def test_a_waiting_event_still_expires_by_its_maximum_age() -> None:
    settings = AsyncSettings(
        reserved_concurrency=1, maximum_event_age_s=60, dead_letter_arn=DLQ, role_arn=ROLE
    )
    world = World(settings={"fn": settings}, attempt_s=45.0)
    slots = _Slots(world, limit=1)
    world.run = slots.run  # type: ignore[method-assign]
    engine = world.engine(threaded=True)
    events = [event_for("fn", f"r{i}") for i in range(3)]
    for event in events:
        engine.submit(event)
    slots.submitted.set()
    try:
        _wait_all(events)
    finally:
        engine.shutdown()
    # r0 runs 0-45 s, r1 45-90 s (started at 45 s, within 60 s); r2's turn comes at 90 s.
    assert [e.outcome for e in events] == ["Success", "Success", "EventAgeExceeded"]
    assert events[2].attempts == [] and events[2].throttles == 1
    assert [kind for kind, *_ in world.sent] == ["dead-letter"]


def test_the_emulator_drains_fifteen_events_at_aws_timing(aws, emulator, deploy) -> None:
    """Measured drain of the real pipeline: one slot, 15 events of 0.2 s each, time scale 1 (so
    the old per-event back-off would have cost minutes: 7 of 15 were undone after 100 s)."""
    fn = deploy(
        "import time\ndef lambda_handler(event, context):\n    time.sleep(0.2)\n", retries=0
    )
    aws.client("lambda").put_function_concurrency(
        FunctionName=fn.name, ReservedConcurrentExecutions=1
    )
    engine = emulator.emulator.engine
    scale, engine.time_scale = engine.time_scale, 1.0
    try:
        started = time.monotonic()
        ids = [invoke_event(aws, fn.name, b"{}") for _ in range(EVENTS)]
        events = [wait_outcome(emulator, rid, timeout_s=60) for rid in ids]
        drained_s = time.monotonic() - started
    finally:
        engine.time_scale = scale
    assert all(e.outcome == "Success" and len(e.attempts) == 1 for e in events)
    spans = sorted((e.attempts[0].started_at, e.attempts[0].ended_at) for e in events)
    assert all(b[0] >= a[1] for a, b in zip(spans, spans[1:]))  # never two at once
    gaps = [b[0] - a[1] for a, b in zip(spans, spans[1:])]
    print(
        f"\nthrottled backlog: {EVENTS} events drained in {drained_s:.2f} s, "
        f"largest gap between attempts {max(gaps) * 1000:.0f} ms"
    )
    # What one slot allows: 15 x 0.2 s of handler time, a cold start and the invokes' own time.
    assert drained_s < EVENTS * 0.2 + 10
    assert max(gaps) < 1.0  # the first back-off step alone would be 1 s
