"""Each function has its own async queue and concurrency: one function's slow or throttled events
never delay another's (AWS keeps an async event queue per function)."""

from __future__ import annotations

import threading
import time

from asyncdlq.emulator.async_events import AsyncSettings

from .conftest import SUCCEEDING
from .engine_fakes import World, event_for
from .helpers import invoke_event, wait_outcome


def _wait(predicate, timeout_s: float = 10) -> None:
    deadline = time.monotonic() + timeout_s
    while not predicate():
        assert time.monotonic() < deadline, "condition not reached in time"
        time.sleep(0.01)


def _threaded_world(run_step) -> World:
    world = World(settings={"slow": AsyncSettings(), "fast": AsyncSettings()}, run_step=run_step)
    world.clock.now = time.time  # type: ignore[method-assign]  # the threads wait on real time
    return world


def test_a_blocked_functions_events_never_hold_up_another_function() -> None:
    gate = threading.Event()
    world = _threaded_world(lambda rid: (gate.wait(30), "ok")[1] if rid.startswith("s") else "ok")
    engine = world.engine(threaded=True, function_concurrency=4)
    try:
        for i in range(10):
            engine.submit(event_for("slow", f"s{i}"))
        _wait(lambda: len(world.runs) == 4)  # the slow function's lane is full
        engine.submit(event_for("fast", "f0"))
        _wait(lambda: any(e.request_id == "f0" and e.outcome for e in engine.events()))
        slow = [e for e in engine.events() if e.function_name == "slow"]
        assert all(e.outcome is None for e in slow)  # all still blocked or queued
        assert engine.function_threads(slow[0].lane) == 4  # its own concurrency, no more
    finally:
        gate.set()
    _wait(lambda: all(e.outcome == "Success" for e in engine.events()))
    engine.shutdown()


def test_a_throttled_functions_backoff_never_holds_up_another_function() -> None:
    world = _threaded_world(lambda rid: "throttle" if rid.startswith("s") else "ok")
    world.settings["slow"] = AsyncSettings(reserved_concurrency=1, maximum_event_age_s=60)
    engine = world.engine(threaded=True, time_scale=0.01)
    try:
        for i in range(20):
            engine.submit(event_for("slow", f"s{i}"))
        engine.submit(event_for("fast", "f0"))
        _wait(lambda: any(e.request_id == "f0" and e.outcome for e in engine.events()))
        fast_run = next(t for rid, t in world.runs if rid == "f0")
        first_slow = min(t for rid, t in world.runs if rid.startswith("s"))
        # The fast event ran while the throttled ones were still backing off.
        assert any(e.outcome is None for e in engine.events() if e.function_name == "slow")
        assert fast_run - first_slow < 0.5
    finally:
        engine.shutdown()


def test_on_the_emulator_a_fast_function_starts_while_another_ones_sleepers_run(
    aws, emulator, deploy
) -> None:
    slow = deploy(
        "import time\ndef lambda_handler(event, context):\n    time.sleep(3)\n",
        retries=0,
        timeout=30,
    )
    fast = deploy(SUCCEEDING)
    slow_ids = [invoke_event(aws, slow.name, b"{}") for _ in range(10)]
    fast_id = invoke_event(aws, fast.name, b'{"key1": "v"}')
    fast_event = wait_outcome(emulator, fast_id, timeout_s=30)
    assert fast_event.outcome == "Success"
    slow_events = [wait_outcome(emulator, rid, timeout_s=60) for rid in slow_ids]
    assert all(e.outcome == "Success" for e in slow_events)
    # The fast event was invoked last, yet started before any sleeper was done.
    first_slow_end = min(e.attempts[0].ended_at for e in slow_events)
    assert fast_event.attempts[0].started_at < first_slow_end
