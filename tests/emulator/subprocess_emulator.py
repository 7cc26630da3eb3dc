"""``asyncdlq emulator`` as a separate process, for tests that need flags the in-process emulator
of tests/conftest.py was not started with (one emulator per process: it installs into moto)."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

# Start-up imports moto and boto3: slow on a loaded 2-core machine, so the wait is generous.
START_TIMEOUT_S = 60.0


@dataclass
class RunningEmulator:
    process: subprocess.Popen[str]
    endpoint_url: str
    port: int
    cwd: Path
    stdout: str = ""  # what it printed, once the block has ended
    stderr: str = ""


@contextmanager
def emulator_process(cwd: Path, *flags: str) -> Iterator[RunningEmulator]:
    """Run ``asyncdlq emulator --port 0 <flags>`` in ``cwd`` until the block ends (SIGTERM)."""
    ready = cwd / "ready.json"
    ready.unlink(missing_ok=True)  # a previous run's would point at a stopped emulator
    process = subprocess.Popen(
        # The plain profile whatever ASYNCDLQ_EMULATOR_PROFILE says (make test sets aws for the
        # harness's emulators): these tests are about the process, not about AWS's timing.
        [sys.executable, "-m", "asyncdlq", "emulator", "--port", "0", "--ready-file", str(ready)]
        + ["--profile", "plain", *flags],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    running: RunningEmulator | None = None
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while not ready.exists():
            if process.poll() is not None or time.monotonic() > deadline:
                out, err = process.communicate(timeout=30)
                raise AssertionError(f"the emulator did not start: {out}\n{err}")
            time.sleep(0.05)
        endpoint = json.loads(ready.read_text())["endpoint"]
        running = RunningEmulator(process, endpoint, int(endpoint.rsplit(":", 1)[1]), cwd)
        yield running
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
        try:
            out, err = process.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            out, err = process.communicate()
        if running is not None:
            running.stdout, running.stderr = out, err
