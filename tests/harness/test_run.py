"""Run ids, per-worker prefixes and directories, and the emulator one run shares."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from asyncdlq.emulator import lease as emulator_lease
from asyncdlq.emulator.background import PortTakenError, is_answering
from asyncdlq.harness.run import RunContext, RunIdError, new_run_id, shared_run_id, worker_id
from asyncdlq.harness.tags import TAG_CREATED_AT, TAG_RUN_ID, parse_created_at


def test_run_ids_are_random_or_given_and_checked() -> None:
    assert new_run_id({}) != new_run_id({})
    assert new_run_id({"ASYNCDLQ_RUN_ID": "ci-1234"}) == "ci-1234"
    with pytest.raises(RunIdError, match="ASYNCDLQ_RUN_ID='Bad Id'.*ci-1234"):
        new_run_id({"ASYNCDLQ_RUN_ID": "Bad Id"})


def test_workers_share_the_run_id_and_get_their_own_prefix_and_dir(tmp_path: Path) -> None:
    worker = SimpleNamespace(workerinput={"workerid": "gw3", "asyncdlq_run_id": "abc123"})
    assert worker_id(worker) == "gw3"
    assert shared_run_id(worker) == "abc123"
    assert worker_id(SimpleNamespace()) is None
    run = RunContext("abc123", "gw3", tmp_path)
    assert run.prefix == "adlq-abc123-w3"
    assert run.work_dir == tmp_path / "runs" / "abc123" / "gw3"
    assert RunContext("abc123", None, tmp_path).prefix == "adlq-abc123"
    tags = run.tags()
    assert tags[TAG_RUN_ID] == "abc123"
    assert parse_created_at(tags[TAG_CREATED_AT]) is not None


def test_one_emulator_per_run_on_a_free_port_stopped_by_release(tmp_path: Path) -> None:
    run_dir = tmp_path / "runs" / "r1"
    first = emulator_lease.lease(run_dir, endpoint=None, time_scale=0.5)
    try:
        assert first.started_here and first.time_scale == 0.5
        assert is_answering(first.endpoint) is not None
        second = emulator_lease.lease(run_dir, endpoint=None, time_scale=0.5)
        assert (second.endpoint, second.pid) == (first.endpoint, first.pid)
        assert not second.started_here
    finally:
        emulator_lease.release(run_dir)
    assert is_answering(first.endpoint) is None


def test_an_emulator_at_an_explicit_endpoint_is_used_and_never_stopped(
    tmp_path: Path, fake_emulator_endpoint: str
) -> None:
    run_dir = tmp_path / "runs" / "r2"
    info = emulator_lease.lease(run_dir, endpoint=fake_emulator_endpoint, time_scale=1 / 60)
    assert info.endpoint == fake_emulator_endpoint and not info.started_here
    emulator_lease.release(run_dir)
    assert is_answering(fake_emulator_endpoint) is not None


def _still_there(endpoint: str) -> bool:
    try:
        return is_answering(endpoint) is not None
    except PortTakenError:  # hung up on the health check while shutting down
        return True


def test_an_emulator_stops_by_itself_once_its_run_has_ended(tmp_path: Path) -> None:
    run = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(3)"])
    info = emulator_lease.lease(tmp_path / "r3", endpoint=None, time_scale=1.0, owner_pid=run.pid)
    try:
        assert is_answering(info.endpoint) is not None
        run.wait()  # the run "was killed": nobody calls release()
        deadline = time.monotonic() + 15
        while _still_there(info.endpoint) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert is_answering(info.endpoint) is None
    finally:
        emulator_lease.release(tmp_path / "r3")
