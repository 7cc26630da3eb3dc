"""SIGTERM ends a test run the way Ctrl-C does: with teardown, so stacks get destroyed.

Python's default SIGTERM action kills the process on the spot, skipping every fixture
finalizer; CI systems send SIGTERM when they cancel a job. Under pytest-xdist the controller
passes the signal on to its workers (Ctrl-C on a terminal reaches them anyway; SIGTERM sent to
the controller alone would not), and each worker tears down its own stacks.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from pathlib import Path
from typing import Any, Callable

WORKERS_DIR = "workers"


def register_worker(run_dir: Path, worker: str) -> None:
    path = run_dir / WORKERS_DIR
    path.mkdir(parents=True, exist_ok=True)
    (path / f"{worker}.pid").write_text(f"{os.getpid()}\n")


def _worker_pids(run_dir: Path) -> list[int]:
    pids = []
    for path in (run_dir / WORKERS_DIR).glob("*.pid"):
        with contextlib.suppress(OSError, ValueError):
            pids.append(int(path.read_text().strip()))
    return pids


def install(run_dir: Path | None) -> Callable[[], None]:
    """Make SIGTERM raise KeyboardInterrupt here (after passing it on to the workers of
    ``run_dir`` when given); returns a function that restores the previous handler."""
    if threading.current_thread() is not threading.main_thread():
        return lambda: None

    def on_sigterm(signum: int, frame: Any) -> None:
        if run_dir is not None:
            for pid in _worker_pids(run_dir):
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.kill(pid, signal.SIGTERM)
        raise KeyboardInterrupt("SIGTERM")

    previous = signal.signal(signal.SIGTERM, on_sigterm)
    return lambda: signal.signal(signal.SIGTERM, previous)
