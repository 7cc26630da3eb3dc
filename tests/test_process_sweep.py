"""Finding a run's processes through /proc: by descent, by group and by environment marker."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from asyncdlq import process_sweep

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")


def _wait_for(path: Path) -> None:
    deadline = time.monotonic() + 30
    while not path.exists() or not path.read_text().strip():
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.05)


def test_descendants_groups_and_markers_find_an_escaped_grandchild(tmp_path: Path) -> None:
    marker = uuid.uuid4().hex
    escaped = tmp_path / "escaped.pid"
    # The background child in a session of its own is reparented to init once its parent is
    # killed: from then on only its environment ties it to the run.
    parent = subprocess.Popen(
        ["sh", "-c", f"setsid sleep 300 & echo $! > {escaped}; exec sleep 300"],
        env={**os.environ, "SWEEP_TEST_MARK": f"/runs/{marker}/gw0"},
        start_new_session=True,
    )
    try:
        _wait_for(escaped)
        child = int(escaped.read_text())
        assert child in {p.pid for p in process_sweep.descendants(parent.pid)}
        assert parent.pid in {p.pid for p in process_sweep.group_members(parent.pid)}
        found = {p.pid for p in process_sweep.marked("SWEEP_TEST_MARK", f"/runs/{marker}")}
        assert found == {parent.pid, child}
        assert process_sweep.marked("SWEEP_TEST_MARK", f"/runs/{marker[:-1]}") == []
        parent.kill()
        parent.wait()
        assert [p.pid for p in process_sweep.marked("SWEEP_TEST_MARK", f"/runs/{marker}")] == [
            child
        ]
        info = next(p for p in process_sweep.all_processes() if p.pid == child)
        assert process_sweep.same_alive(info)
        assert process_sweep.kill_all([child]) == []
        assert not process_sweep.same_alive(info)
    finally:
        pids = [parent.pid] + ([int(escaped.read_text())] if escaped.exists() else [])
        for pid in pids:
            with contextlib.suppress(ProcessLookupError, ValueError):
                os.kill(pid, signal.SIGKILL)
        parent.wait()


def test_a_recycled_pid_is_not_the_same_process() -> None:
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        info = next(p for p in process_sweep.all_processes() if p.pid == proc.pid)
        later = process_sweep.ProcessInfo(
            info.pid, info.ppid, info.pgid, info.state, info.name, info.started + 1
        )
        assert process_sweep.same_alive(info) and not process_sweep.same_alive(later)
    finally:
        proc.kill()
        proc.wait()
    assert not process_sweep.alive(proc.pid)
