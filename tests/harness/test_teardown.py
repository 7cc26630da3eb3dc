"""Destroys that fail are retried, then kept with the command to finish; stacks a dead process
left in the run's ledger are destroyed by whoever finishes the run."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable

import pytest

from asyncdlq import process_sweep
from asyncdlq.harness import teardown
from asyncdlq.harness.stack import Stack
from asyncdlq.harness.teardown import (
    KEPT_MARK,
    Ledger,
    LeftBehindError,
    destroy_with_retries,
    finish_pending,
)
from asyncdlq.target import Target

# The destroy provisioner fails until the counter file holds ``fail_times`` lines.
FLAKY_DESTROY = """
variable "counter" { type = string }
variable "fail_times" { type = number }

resource "terraform_data" "flaky" {
  input = { counter = var.counter, fail_times = var.fail_times }
  provisioner "local-exec" {
    when    = destroy
    command = "echo try >> ${self.input.counter}; test $(wc -l < ${self.input.counter}) -gt ${self.input.fail_times}"
  }
}
"""

WriteConfig = Callable[[str, str], Path]


def _applied(tfdir: Path, tmp_path: Path, target: Target, fail_times: int) -> Stack:
    stack = Stack(
        tfdir,
        variables={"counter": str(tmp_path / "tries.txt"), "fail_times": fail_times},
        target=target,
        state_dir=tmp_path / "base",
        work_root=tmp_path / "run" / "main",
        timeout_s=60,
    )
    stack.init()
    stack.apply()
    return stack


def test_a_failed_destroy_is_retried_until_it_succeeds(
    write_config: WriteConfig, tmp_path: Path, local_target: Target
) -> None:
    stack = _applied(write_config("flaky", FLAKY_DESTROY), tmp_path, local_target, fail_times=2)
    ledger = Ledger(tmp_path / "run")
    ledger.add(stack)
    destroy_with_retries(stack, waits=(0, 0), ledger=ledger)
    assert (tmp_path / "tries.txt").read_text().split() == ["try"] * 3
    assert ledger.stacks() == []
    assert not stack.work_dir.exists(), "a destroyed stack's work dir is removed"


def test_a_destroy_that_keeps_failing_keeps_the_state_and_says_how_to_finish(
    write_config: WriteConfig, tmp_path: Path, local_target: Target
) -> None:
    stack = _applied(write_config("flaky", FLAKY_DESTROY), tmp_path, local_target, fail_times=5)
    ledger = Ledger(tmp_path / "run")
    ledger.add(stack)
    with pytest.raises(LeftBehindError, match="failed 3 times") as caught:
        destroy_with_retries(stack, waits=(0, 0), ledger=ledger)
    assert stack.state_file.exists()
    assert (stack.work_dir / KEPT_MARK).exists()
    assert [s.workspace for s in ledger.stacks()] == [stack.workspace]
    command = str(caught.value).splitlines()[-1].strip()
    assert command == stack.destroy_hint()
    # Tries 4 and 5 still fail; the printed command's own run is the 6th and succeeds.
    for _ in range(2):
        subprocess.run(command, shell=True, capture_output=True, timeout=120)
    finished = subprocess.run(command, shell=True, capture_output=True, text=True, timeout=120)
    assert finished.returncode == 0, finished.stderr
    assert stack.resources() == []


def test_stacks_a_dead_worker_left_are_destroyed_at_the_end_of_the_run(
    write_config: WriteConfig, tmp_path: Path, local_target: Target
) -> None:
    stack = _applied(write_config("flaky", FLAKY_DESTROY), tmp_path, local_target, fail_times=0)
    Ledger(tmp_path / "run").add(stack)  # applied, then the process "died"
    assert finish_pending(tmp_path / "run") == []
    assert (tmp_path / "tries.txt").read_text().split() == ["try"]
    assert Ledger(tmp_path / "run").stacks() == []


def _marked_process(owner: Path, *, ignore_sigint: bool) -> subprocess.Popen[bytes]:
    """A stand-in for a terraform left running by a dead worker: its own session, the marker."""
    code = "import signal, time\n"
    if ignore_sigint:
        code += "signal.signal(signal.SIGINT, signal.SIG_IGN)\n"
    code += "time.sleep(600)\n"
    return subprocess.Popen(
        [sys.executable, "-c", code],
        env={**os.environ, process_sweep.OWNER_ENV: str(owner)},
        start_new_session=True,
        # From exec on, SIGINT does its default: a run launched in the background (`make test
        # &`) has it ignored, and children inherit that.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )


def test_finishing_a_run_ends_the_processes_its_dead_workers_left(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(teardown, "DEFAULT_KILL_GRACE_S", 1.0)
    run_dir = tmp_path / "runs" / "abc"
    polite = _marked_process(run_dir / "gw0", ignore_sigint=False)
    stubborn = _marked_process(run_dir / "gw1", ignore_sigint=True)
    # Another run whose id starts like ours: not ours to end.
    other = _marked_process(tmp_path / "runs" / "abcd" / "gw0", ignore_sigint=False)
    try:
        deadline = time.monotonic() + 30
        while len(process_sweep.marked(process_sweep.OWNER_ENV, str(run_dir))) < 2:
            assert time.monotonic() < deadline, "the stand-ins did not start"
            time.sleep(0.05)
        found = teardown.end_leftover_processes(run_dir, finish_s=0.5)
        assert sorted(found) == sorted([polite.pid, stubborn.pid])
        assert polite.wait(timeout=5) == -signal.SIGINT  # asked first, as terraform is
        assert stubborn.wait(timeout=5) == -signal.SIGKILL
        assert other.poll() is None
        assert teardown.end_leftover_processes(run_dir, finish_s=0.5) == []
    finally:
        for proc in (polite, stubborn, other):
            proc.kill()
            proc.wait()
