"""The event log's memory budget: finished events lose their payloads first, oldest first, then
the oldest finished events go; pending events are never touched."""

from __future__ import annotations

import json
import urllib.request

from asyncdlq.emulator.async_events import AsyncSettings
from asyncdlq.emulator.event_log import EventLog

from .conftest import SUCCEEDING
from .engine_fakes import World, attempt, drain, event_for
from .helpers import invoke_event, wait_outcome

MB = 1024 * 1024


def _finished(log: EventLog, request_id: str, size: int) -> None:
    event = event_for("fn", request_id, b"x" * size)
    log.add(event)
    event.attempts.append(attempt(request_id, False, 0.0))
    event.outcome = "RetriesExhausted"
    log.finished(event)


def test_payloads_of_finished_events_go_first_oldest_first() -> None:
    log = EventLog(budget_bytes=2 * MB)
    pending = event_for("fn", "pending", b"p" * MB)
    log.add(pending)
    _finished(log, "old", MB)
    _finished(log, "new", MB // 4)
    assert log.total_bytes <= log.budget_bytes
    old, new = (e for e in log.events() if e.outcome)
    assert old.payload_evicted and old.payload == b"" and old.attempts[0].payload == b""
    assert not new.payload_evicted and len(new.payload) == MB // 4
    assert pending.payload == b"p" * MB  # pending: needed for its attempts and deliveries
    summary = old.summary()
    assert summary["outcome"] == "RetriesExhausted" and summary["attempts"][0]["ok"] is False
    assert summary["attempts"][0]["error_message"] == "boom"


def test_then_the_oldest_finished_events_go_but_never_a_pending_one() -> None:
    log = EventLog(budget_bytes=20_000)
    pending = [event_for("fn", f"p{i}", b"p" * 8_000) for i in range(3)]
    for event in pending:
        log.add(event)
    for i in range(30):
        _finished(log, f"f{i}", 100)
    kept = [e.request_id for e in log.events()]
    assert kept[:3] == ["p0", "p1", "p2"]  # over the budget on their own, and all kept
    assert all(not rid.startswith("f") for rid in kept)
    assert log.evicted_events == 30
    assert [e.request_id for e in log.pending()] == ["p0", "p1", "p2"]


def test_a_long_run_of_large_events_stays_within_the_budget() -> None:
    world = World(settings={"fn": AsyncSettings(maximum_retry_attempts=0)})
    engine = world.engine(event_log_bytes=MB)
    for i in range(2000):  # 100 MB of payloads accepted in all
        engine.submit(event_for("fn", f"r{i}", b"{" + b" " * (50 * 1024) + b"}"))
        drain(engine, world.clock)
    log = engine.event_log
    assert log.total_bytes <= MB
    events = engine.events()
    assert events and events[-1].request_id == "r1999" and events[-1].outcome == "Success"
    assert sum(len(e.payload) for e in events) <= MB
    assert log.evicted_events > 0 and log.evicted_payloads > 0


def test_health_reports_what_the_log_holds_against_its_budget(aws, emulator, deploy) -> None:
    fn = deploy(SUCCEEDING)
    wait_outcome(emulator, invoke_event(aws, fn.name, b'{"key1": "x"}'))
    with urllib.request.urlopen(f"{emulator.endpoint_url}/_asyncdlq/health", timeout=5) as r:
        health = json.load(r)
    assert health["event_log_budget_bytes"] == emulator.emulator.config.event_log_bytes
    assert 0 < health["event_log_bytes"] <= health["event_log_budget_bytes"]
