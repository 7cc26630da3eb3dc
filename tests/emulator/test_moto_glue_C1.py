"""Fails loudly when a moto upgrade moves an internal that the aws profile's log glue relies on
(moto_glue.put_log_events_at, moto_glue.request_account)."""

from __future__ import annotations

import inspect
import time
import uuid

from moto.iam.models import get_account_id_from
from moto.logs.models import LogsBackend, logs_backends

from asyncdlq.emulator import moto_glue

ACCOUNT, REGION = "123456789012", "us-east-1"


def test_put_log_events_at_keeps_the_given_timestamp() -> None:
    group, stream = f"/glue/{uuid.uuid4().hex[:8]}", "s"
    moto_glue.create_log_stream(ACCOUNT, REGION, group, stream)
    stamp = int(time.time() * 1000) - 10_000  # AWS (and moto) take 14 days back to 2 h ahead
    try:
        assert moto_glue.put_log_events_at(ACCOUNT, REGION, group, stream, ["a", "b"], stamp)
        events = logs_backends[ACCOUNT][REGION].groups[group].streams[stream].events
        assert [(e.timestamp, e.message) for e in events] == [(stamp, "a"), (stamp, "b")]
        # moto stamps the ingestion itself, at the call: the delay shows there.
        assert all(e.ingestion_time >= stamp + 10_000 for e in events)
        assert not moto_glue.put_log_events_at(ACCOUNT, REGION, group, "gone", ["c"], 1)
    finally:
        logs_backends[ACCOUNT][REGION].delete_log_group(group)


def test_logs_backend_put_log_events_keeps_its_signature() -> None:
    params = list(inspect.signature(LogsBackend.put_log_events).parameters)
    assert params[:4] == ["self", "log_group_name", "log_stream_name", "log_events"]


def test_request_account_decides_as_moto_does(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("MOTO_ACCOUNT_ID", raising=False)
    assert list(inspect.signature(get_account_id_from).parameters) == ["access_key"]
    assert moto_glue.request_account("test", None) == get_account_id_from("test")
    assert moto_glue.request_account("test", "111122223333") == "111122223333"
    monkeypatch.setenv("MOTO_ACCOUNT_ID", "444455556666")
    assert moto_glue.request_account("test", "111122223333") == "444455556666"
