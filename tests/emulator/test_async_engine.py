"""The async engine on a virtual clock with a fake world: retry timing, service-side errors,
bookkeeping errors, deliveries, duplicates, reset and stop (docs/aws-behaviour.md, Retry timing and
event age; Dead-letter queues; Destinations and dead-letter targets; Reserved concurrency 0;
Service-side errors during an async attempt). No moto, no HTTP, no processes.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
import zipfile
from dataclasses import replace

import pytest

from asyncdlq.aws.timing import backoff_delay_s
from asyncdlq.emulator.async_events import AsyncSettings

from .engine_fakes import DLQ, ON_FAILURE, ON_SUCCESS, ROLE, World, drain, event_for

FULL = AsyncSettings(
    dead_letter_arn=DLQ, on_failure_arn=ON_FAILURE, on_success_arn=ON_SUCCESS, role_arn=ROLE
)


def _world(settings: AsyncSettings = FULL, **kwargs) -> World:
    return World(settings={"fn": settings}, **kwargs)


def test_function_errors_retry_60_then_120_seconds_after_each_attempt_ends() -> None:
    world = _world(run_step=lambda rid: "error")
    engine = world.engine()
    engine.submit(event_for("fn", "r1"))
    drain(engine, world.clock)
    (event,) = engine.events()
    assert event.outcome == "RetriesExhausted" and len(event.attempts) == 3
    first, second, third = event.attempts
    assert second.started_at - first.ended_at == pytest.approx(60)
    assert third.started_at - second.ended_at == pytest.approx(120)
    kinds = [(kind, target) for kind, target, _, _ in world.sent]
    assert kinds == [("dead-letter", DLQ), ("record", ON_FAILURE)]
    record = world.sent[1][3]
    assert record["requestContext"]["condition"] == "RetriesExhausted"
    assert record["requestContext"]["approximateInvokeCount"] == 3


def test_service_side_errors_back_off_until_the_event_age_then_go_to_dlq_and_on_failure(
    caplog,
) -> None:
    bad_zip = zipfile.BadZipFile("File is not a zip file")
    settings = AsyncSettings(
        maximum_event_age_s=900, dead_letter_arn=DLQ, on_failure_arn=ON_FAILURE, role_arn=ROLE
    )
    world = _world(settings, run_step=lambda rid: bad_zip)
    engine = world.engine()
    with caplog.at_level(logging.ERROR):
        engine.submit(event_for("fn", "r1", b'{"a": 1}'))
        received = world.clock.t
        drain(engine, world.clock)
    (event,) = engine.events()
    assert event.outcome == "EventAgeExceeded" and event.attempts == []
    gaps = [b[1] - a[1] for a, b in zip(world.runs, world.runs[1:])]
    assert gaps == [backoff_delay_s(n) for n in range(1, len(gaps) + 1)]
    assert gaps[:4] == [1, 2, 4, 8] and max(gaps) == 300  # from 1 s up to 5 min
    assert world.runs[-1][1] - received <= 900
    assert world.runs[-1][1] + backoff_delay_s(len(world.runs)) - received > 900
    assert event.system_errors == len(world.runs)
    assert event.last_system_error == "BadZipFile: File is not a zip file"
    assert [(kind, target) for kind, target, _, _ in world.sent] == [
        ("dead-letter", DLQ),
        ("record", ON_FAILURE),
    ]
    assert world.sent[0][3] == b'{"a": 1}'
    record = world.sent[1][3]
    assert record["requestContext"]["condition"] == "EventAgeExceeded"
    assert record["requestContext"]["approximateInvokeCount"] == 0
    errors = [r for r in caplog.records if "error inside the emulator" in r.getMessage()]
    assert len(errors) == len(world.runs) and all(r.exc_info for r in errors)
    summary = event.summary()
    assert summary["system_errors"] == len(world.runs)
    assert summary["last_system_error"].startswith("BadZipFile")


def test_a_service_side_error_then_a_good_attempt_succeeds_with_one_attempt() -> None:
    steps = iter([UnicodeEncodeError("utf-8", "\ud800", 0, 1, "surrogates not allowed"), "ok"])
    world = _world(run_step=lambda rid: next(steps))
    engine = world.engine()
    engine.submit(event_for("fn", "r1"))
    drain(engine, world.clock)
    (event,) = engine.events()
    assert event.outcome == "Success" and len(event.attempts) == 1 and event.system_errors == 1
    assert [kind for kind, target, _, _ in world.sent] == ["record"]
    assert world.sent[0][1] == ON_SUCCESS


def test_an_unreadable_function_is_a_service_side_error_too() -> None:
    faults = iter([RuntimeError("backend lookup failed")])
    world = _world(fault=lambda step, target: next(faults, None) if step == "resolve" else None)
    engine = world.engine()
    engine.submit(event_for("fn", "r1"))
    drain(engine, world.clock)
    (event,) = engine.events()
    assert event.outcome == "Success" and event.system_errors == 1
    assert world.runs[0][1] - event.received_at == pytest.approx(1)  # the first backoff


def test_an_error_in_the_engines_own_bookkeeping_does_not_lose_the_event() -> None:
    results = []

    def spoil_the_first(result) -> None:
        results.append(result)
        if len(results) == 1:
            result.ended_at = None  # the engine's retry arithmetic fails on it

    world = _world(run_step=lambda rid: "error", on_result=spoil_the_first)
    engine = world.engine()
    engine.submit(event_for("fn", "r1"))
    drain(engine, world.clock)
    (event,) = engine.events()
    assert event.outcome in ("RetriesExhausted", "EventAgeExceeded")
    assert event.system_errors == 1 and "TypeError" in event.last_system_error
    assert [kind for kind, _, _, _ in world.sent] == ["dead-letter", "record"]


def test_a_delivery_that_fails_inside_the_emulator_is_dropped_and_counted(caplog) -> None:
    def fault(step: str, target: str):
        return ValueError("bug in a sender") if step == "dead-letter" else None

    world = _world(AsyncSettings(maximum_retry_attempts=0, dead_letter_arn=DLQ), fault=fault)
    world.run_step = lambda rid: "error"
    engine = world.engine()
    with caplog.at_level(logging.ERROR):
        engine.submit(event_for("fn", "r1"))
        drain(engine, world.clock)
    (event,) = engine.events()
    assert event.outcome == "RetriesExhausted"
    assert event.deliveries == [
        {"kind": "dead-letter", "target": DLQ, "delivered": False, "error": "bug in a sender"}
    ]
    assert engine.counters["fn:DeadLetterErrors"] == 1
    assert world.metrics == [("fn", "DeadLetterErrors")]
    assert any(r.exc_info for r in caplog.records if "inside the emulator" in r.getMessage())


def test_an_s3_on_failure_destination_that_fails_is_counted_and_logged_not_lost(caplog) -> None:
    # S3 destinations are delivered (tests/emulator/test_destinations.py); a bucket that is not
    # there makes the delivery fail, and the failure is counted like any other.
    bucket = f"arn:aws:s3:::missing-{uuid.uuid4().hex[:12]}"
    world = _world(AsyncSettings(maximum_retry_attempts=0, on_failure_arn=bucket))
    world.run_step, world.real_destinations = (lambda rid: "error"), True
    engine = world.engine()
    with caplog.at_level(logging.WARNING):
        engine.submit(event_for("fn", "r1"))
        drain(engine, world.clock)
    (event,) = engine.events()
    assert event.outcome == "RetriesExhausted"
    assert event.deliveries[0]["delivered"] is False
    assert engine.counters["fn:DestinationDeliveryFailures"] == 1
    assert any(bucket in r.getMessage() for r in caplog.records)


def test_throttles_back_off_without_counting_as_attempts() -> None:
    steps = iter(["throttle"] * 4 + ["ok"])
    world = _world(run_step=lambda rid: next(steps))
    engine = world.engine()
    engine.submit(event_for("fn", "r1"))
    drain(engine, world.clock)
    (event,) = engine.events()
    assert event.outcome == "Success" and event.throttles == 4 and len(event.attempts) == 1
    gaps = [b[1] - a[1] for a, b in zip(world.runs, world.runs[1:])]
    assert gaps == [1, 2, 4, 8]
    assert engine.counters["fn:Throttles"] == 4


def test_zero_reserved_concurrency_deleted_functions_and_expired_queue_entries() -> None:
    world = World(
        settings={
            "zero": AsyncSettings(reserved_concurrency=0, dead_letter_arn=DLQ),
            "old": AsyncSettings(maximum_event_age_s=60, dead_letter_arn=DLQ),
        }
    )
    engine = world.engine()
    for name in ("zero", "gone", "old"):
        engine.submit(event_for(name, name))
    world.clock.t += 61  # the queue held "old" past its age
    drain(engine, world.clock)
    outcomes = {e.request_id: (e.outcome, len(e.attempts)) for e in engine.events()}
    assert outcomes == {
        "zero": ("ZeroReservedConcurrency", 0),
        "gone": ("FunctionDeleted", 0),
        "old": ("EventAgeExceeded", 0),
    }
    assert sorted(rid for kind, _, rid, _ in world.sent) == ["old", "zero"]
    assert world.runs == []


def test_shutdown_returns_at_once_and_discards_the_running_attempts_result() -> None:
    started, release = threading.Event(), threading.Event()

    def blocking(rid: str) -> str:
        started.set()
        release.wait(10)
        return "error"

    world = World(settings={"fn": FULL}, run_step=blocking)
    world.clock.now = time.time  # type: ignore[method-assign]  # a threaded engine waits on it
    engine = world.engine(threaded=True)
    engine.submit(event_for("fn", "r1"))
    assert started.wait(10)
    began = time.monotonic()
    pending = engine.shutdown()
    assert time.monotonic() - began < 1  # no waiting for the running attempt
    assert [e.request_id for e in pending] == ["r1"]
    release.set()
    deadline = time.monotonic() + 5
    while world.returned.get("r1") is None and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.1)  # what the engine would do with the result happens right after it returns
    (event,) = engine.events()
    assert event.outcome is None and event.attempts == [] and world.sent == []
    assert len(world.runs) == 1  # nothing scheduled after the stop


def test_reset_forgets_queued_events_and_drops_results_of_running_ones() -> None:
    world = _world(run_step=lambda rid: "error")
    engine = world.engine()
    engine.submit(event_for("fn", "r1"))
    engine.submit(event_for("fn", "r2"))
    item = engine.take_next()
    assert item is not None
    pending = engine.reset()
    assert sorted(e.request_id for e in pending) == ["r1", "r2"]
    assert all(e.outcome == "Reset" for e in pending) and engine.events() == []
    engine.process(item[1])  # its dispatch was under way when the reset came
    assert world.runs == [] and world.sent == [] and engine.take_next() is None


def test_a_retry_that_would_start_past_the_event_age_is_never_scheduled() -> None:
    settings = AsyncSettings(
        maximum_event_age_s=100, dead_letter_arn=DLQ, on_failure_arn=ON_FAILURE, role_arn=ROLE
    )
    world = _world(settings, run_step=lambda rid: "error")
    engine = world.engine()
    engine.submit(event_for("fn", "r1"))
    drain(engine, world.clock)
    (event,) = engine.events()
    # Attempt 2 starts 60 s after attempt 1; attempt 3 would start 120 s after attempt 2, past
    # the age of 100 s, so the event fails when attempt 2 ends rather than waiting for it.
    assert event.outcome == "EventAgeExceeded" and len(event.attempts) == 2
    assert event.finished_at == pytest.approx(event.attempts[-1].ended_at)
    assert [(kind, target) for kind, target, _, _ in world.sent] == [
        ("dead-letter", DLQ),
        ("record", ON_FAILURE),
    ]
    context = world.sent[1][3]["requestContext"]
    assert context["condition"] == "EventAgeExceeded" and context["approximateInvokeCount"] == 2


def test_time_scale_shrinks_the_retry_delays_and_the_event_age() -> None:
    world = _world(run_step=lambda rid: "error")
    engine = world.engine(time_scale=0.01)
    engine.submit(event_for("fn", "r1"))
    drain(engine, world.clock)
    first, second, third = engine.events()[0].attempts
    assert second.started_at - first.ended_at == pytest.approx(0.6)
    assert third.started_at - second.ended_at == pytest.approx(1.2)


def test_throttles_alone_end_in_event_age_exceeded_with_no_attempt() -> None:
    settings = AsyncSettings(maximum_event_age_s=60, dead_letter_arn=DLQ, role_arn=ROLE)
    world = _world(settings, run_step=lambda rid: "throttle")
    engine = world.engine()
    engine.submit(event_for("fn", "r1"))
    drain(engine, world.clock)
    (event,) = engine.events()
    assert event.outcome == "EventAgeExceeded" and event.attempts == []
    gaps = [b[1] - a[1] for a, b in zip(world.runs, world.runs[1:])]
    assert gaps == [1, 2, 4, 8, 16]  # the next, 32 s, would start past 60 s
    assert event.throttles == len(world.runs) == 6
    assert engine.counters["fn:Throttles"] == 6
    assert [(kind, target) for kind, target, _, _ in world.sent] == [("dead-letter", DLQ)]


def test_zero_reserved_concurrency_goes_to_both_dlq_and_on_failure_without_a_response() -> None:
    world = _world(replace(FULL, reserved_concurrency=0))
    engine = world.engine()
    engine.submit(event_for("fn", "r1", b'{"z": 0}'))
    drain(engine, world.clock)
    (event,) = engine.events()
    assert event.outcome == "ZeroReservedConcurrency" and world.runs == []
    assert [(kind, target) for kind, target, _, _ in world.sent] == [
        ("dead-letter", DLQ),
        ("record", ON_FAILURE),
    ]
    assert world.sent[0][3] == b'{"z": 0}'
    record = world.sent[1][3]
    assert record["requestContext"]["condition"] == "ZeroReservedConcurrency"
    assert record["requestContext"]["approximateInvokeCount"] == 0
    assert "responseContext" not in record and "responsePayload" not in record


def test_a_function_deleted_between_attempts_discards_its_event() -> None:
    world = _world(run_step=lambda rid: "error")
    engine = world.engine()
    engine.submit(event_for("fn", "r1"))
    due, event = engine.take_next()  # type: ignore[misc]
    engine.process(event)  # attempt 1 fails; the retry is queued
    del world.settings["fn"]
    drain(engine, world.clock)
    assert event.outcome == "FunctionDeleted" and len(event.attempts) == 1
    assert world.sent == [] and len(world.runs) == 1


def test_duplicate_rate_one_delivers_every_event_twice_with_the_same_request_id() -> None:
    world = _world(AsyncSettings(on_success_arn=ON_SUCCESS, role_arn=ROLE))
    engine = world.engine(duplicate_rate=1.0)
    engine.submit(event_for("fn", "r1"))
    drain(engine, world.clock)
    events = engine.events()
    assert [(e.request_id, e.duplicate) for e in events] == [("r1", False), ("r1", True)]
    assert all(e.outcome == "Success" and len(e.attempts) == 1 for e in events)
    assert [rid for rid, _ in world.runs] == ["r1", "r1"]
    assert [(kind, rid) for kind, _, rid, _ in world.sent] == [("record", "r1"), ("record", "r1")]
    assert events[0].received_at == events[1].received_at


def test_duplicates_follow_the_seed_and_the_rate() -> None:
    def pattern(seed: int, rate: float) -> list[bool]:
        world = _world()
        engine = world.engine(duplicate_rate=rate, seed=seed)
        for i in range(200):
            engine.submit(event_for("fn", f"r{i}"))
        return [e.duplicate for e in engine.events()]

    assert pattern(7, 0.3) == pattern(7, 0.3)
    assert 30 <= sum(pattern(7, 0.3)) <= 90
    assert not any(pattern(7, 0.0))
    with pytest.raises(ValueError):
        _world().engine(duplicate_rate=1.5)


def test_reset_clears_the_counters_and_the_engine_keeps_working() -> None:
    steps = iter(["throttle", "ok", "ok"])
    world = _world(run_step=lambda rid: next(steps))
    engine = world.engine()
    engine.submit(event_for("fn", "r1"))
    drain(engine, world.clock)
    assert engine.counters["fn:Throttles"] == 1
    engine.reset()
    assert engine.counters == {} and engine.events() == []
    engine.submit(event_for("fn", "r2"))
    drain(engine, world.clock)
    assert [(e.request_id, e.outcome) for e in engine.events()] == [("r2", "Success")]


def test_after_shutdown_an_event_is_left_pending_and_never_runs(caplog) -> None:
    world = _world()
    engine = world.engine()
    assert engine.shutdown() == []
    with caplog.at_level(logging.WARNING):
        engine.submit(event_for("fn", "late"))
    assert engine.take_next() is None and world.runs == []
    assert [e.request_id for e in engine.pending()] == ["late"]
    assert any("left pending" in r.getMessage() for r in caplog.records)
