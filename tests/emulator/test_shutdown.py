"""Shutdown seen from outside: ``asyncdlq emulator`` as its own process, with attempts running
that never end and handlers that start processes of their own.

Every process of a test is tracked two ways, so an escape is caught whatever its parent becomes:
the emulator's process tree captured before the signal (pid plus start time, so a recycled pid is
not mistaken for a survivor), and a marker in the functions' environment, which a handler's
children inherit (the runtime's own worker processes don't get it: they are in the tree).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import boto3
import pytest
from botocore.config import Config

from asyncdlq import process_sweep
from asyncdlq.process_sweep import ProcessInfo

from .conftest import wait_active, zip_source
from .looping_handler import LOOPING

START_TIMEOUT_S = 60.0  # imports moto and boto3: slow on a loaded 2-core machine
SHUTDOWN_LIMIT_S = 5.0  # issue 9: SIGTERM/SIGINT stop the emulator within 5 s
MARK = "SHUTDOWN_TEST_MARK"

SPAWNING = """
import os, pathlib, subprocess, time

def lambda_handler(event, context):
    # A child in a session of its own, and a grandchild whose parent has exited (reparented away
    # from the worker): neither is in the worker's process group.
    subprocess.Popen(["setsid", "sleep", "3600"])
    if os.fork() == 0:
        if os.fork() == 0:
            os.execvp("sleep", ["sleep", "3601"])
        os._exit(0)
    os.wait()
    pathlib.Path(os.environ["STARTED_DIR"], context.aws_request_id).write_text("")
    while True:
        time.sleep(1)
"""

# Per-function async concurrency is at least 4 (async_engine.DEFAULT_FUNCTION_CONCURRENCY), so
# these 10 events all run at once.
EVENTS = {"loop-a": (LOOPING, 4), "loop-b": (LOOPING, 3), "spawn": (SPAWNING, 3)}


@dataclass
class Emulator:
    process: subprocess.Popen[bytes]
    endpoint: str
    stderr_path: Path
    marker: str
    tree: dict[tuple[int, int], ProcessInfo] = field(default_factory=dict)

    def client(self, service: str) -> object:
        return boto3.client(
            service,
            endpoint_url=self.endpoint,
            region_name="us-east-1",
            aws_access_key_id="test",
            aws_secret_access_key="test",
            config=Config(retries={"max_attempts": 1}),
        )

    def track(self) -> None:
        """Add what runs now in the emulator's tree, or carries the marker, to ``tree``."""
        found = process_sweep.descendants(self.process.pid) + process_sweep.marked(
            MARK, self.marker
        )
        for info in found:
            self.tree.setdefault((info.pid, info.started), info)

    def alive(self) -> list[str]:
        """Tracked processes still running (a zombie has ended), found again by marker too."""
        self.track()
        return [
            f"{p.pid} {' '.join(process_sweep.cmdline_of(p.pid))[:120]}"
            for p in self.tree.values()
            if p.pid != self.process.pid and process_sweep.same_alive(p)
        ]


@pytest.fixture
def emulator(tmp_path: Path) -> Iterator[Emulator]:
    ready = tmp_path / "ready.json"
    marker = uuid.uuid4().hex
    stderr_path = tmp_path / "stderr.txt"
    with open(tmp_path / "stdout.txt", "wb") as out, open(stderr_path, "wb") as err:
        process = subprocess.Popen(
            [sys.executable, "-m", "asyncdlq", "emulator", "--port", "0", "--profile", "plain"]
            + ["--time-scale", "0.01", "--ready-file", str(ready)],
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=err,
            env={**os.environ, MARK: marker, "PYTHONUNBUFFERED": "1"},
            start_new_session=True,  # as emulator/background.py starts it
        )
    running = Emulator(process, "", stderr_path, marker)
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while not ready.exists():
            assert process.poll() is None, stderr_path.read_text()
            assert time.monotonic() < deadline, "the emulator did not start"
            time.sleep(0.05)
        running.endpoint = json.loads(ready.read_text())["endpoint"]
        yield running
    finally:
        # Whatever the test found, nothing it started may keep a core busy after it.
        running.track()
        with_group = [p.pid for p in running.tree.values() if process_sweep.same_alive(p)]
        process_sweep.kill_all(with_group)
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)


def _start_events(emulator: Emulator, started_dir: Path) -> list[str]:
    """Create the functions and send 10 Event invokes; return their request ids once every
    attempt is running (each handler writes a file named by its request id first)."""
    started_dir.mkdir()
    iam, lam = emulator.client("iam"), emulator.client("lambda")
    role = iam.create_role(
        RoleName="shutdown-role",
        AssumeRolePolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"Service": "lambda.amazonaws.com"},
                        "Action": "sts:AssumeRole",
                    }
                ],
            }
        ),
    )["Role"]["Arn"]
    request_ids = []
    for name, (source, count) in EVENTS.items():
        lam.create_function(
            FunctionName=name,
            Runtime="python3.12",
            Role=role,
            Handler="handler.lambda_handler",
            Code={"ZipFile": zip_source(source)},
            Timeout=900,
            Environment={"Variables": {MARK: emulator.marker, "STARTED_DIR": str(started_dir)}},
        )
        lam.put_function_event_invoke_config(FunctionName=name, MaximumRetryAttempts=0)
        wait_active(lam, name)  # Invoke fails while the function is Pending, as on AWS
        for _ in range(count):
            response = lam.invoke(FunctionName=name, InvocationType="Event", Payload=b"{}")
            assert response["StatusCode"] == 202
            request_ids.append(response["ResponseMetadata"]["RequestId"])
    deadline = time.monotonic() + 120
    while len(list(started_dir.iterdir())) < len(request_ids):
        emulator.track()
        assert emulator.process.poll() is None, emulator.stderr_path.read_text()
        assert time.monotonic() < deadline, (
            f"only {len(list(started_dir.iterdir()))} of {len(request_ids)} attempts started"
        )
        time.sleep(0.1)
    # The spawning handlers' children exist before their marker file: the tree has them now.
    emulator.track()
    return request_ids


def _wait_exit(process: subprocess.Popen[bytes], limit_s: float) -> float:
    started = time.monotonic()
    try:
        process.wait(timeout=limit_s)
    except subprocess.TimeoutExpired:
        pytest.fail(f"the emulator still ran {limit_s:g}s after the signal")
    return time.monotonic() - started


def _no_survivors(emulator: Emulator) -> list[str]:
    # SIGKILLed processes become zombies (ended) a moment after the signal, not at once.
    deadline = time.monotonic() + 1.0
    while (left := emulator.alive()) and time.monotonic() < deadline:
        time.sleep(0.05)
    return left


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_stops_running_attempts_reports_them_and_leaves_no_process(
    emulator: Emulator, tmp_path: Path, sig: signal.Signals
) -> None:
    request_ids = _start_events(emulator, tmp_path / "started")
    # Named by what they run now: a process first seen between fork and exec had another name.
    spawned = [
        p
        for p in emulator.tree.values()
        if process_sweep.same_alive(p) and process_sweep.cmdline_of(p.pid)[:1] == ["sleep"]
    ]
    assert len(spawned) == 2 * EVENTS["spawn"][1], "the handlers' children were not seen"
    assert len(emulator.alive()) >= len(request_ids), "fewer live processes than attempts"
    emulator.process.send_signal(sig)
    _wait_exit(emulator.process, SHUTDOWN_LIMIT_S)
    stderr = emulator.stderr_path.read_text(errors="replace")
    unreported = [rid for rid in request_ids if rid not in stderr]
    assert unreported == [], f"pending events not reported on stderr: {unreported}\n{stderr}"
    assert _no_survivors(emulator) == []


def test_sigkill_of_the_process_group_leaves_no_worker(emulator: Emulator, tmp_path: Path) -> None:
    _start_events(emulator, tmp_path / "started")
    workers = [p for p in process_sweep.descendants(emulator.process.pid) if p.name != "sleep"]
    assert workers, "no worker process found under the emulator"
    os.killpg(emulator.process.pid, signal.SIGKILL)
    emulator.process.wait(timeout=5)
    # The runtime's workers (and the handlers running in them) must not outlive the emulator.
    deadline = time.monotonic() + SHUTDOWN_LIMIT_S
    while (left := [p for p in workers if process_sweep.same_alive(p)]) and (
        time.monotonic() < deadline
    ):
        time.sleep(0.05)
    assert [f"{p.pid} {p.name}" for p in left] == []
