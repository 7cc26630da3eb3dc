"""One emulator per test run, shared by every pytest-xdist worker, on a port nobody else uses.

The first process of the run that needs it starts it (under a file lock, so two workers never
start two) and records it in the run directory; the others read the record. The run's controller
(the only process that outlives all workers) stops it at the very end, after every stack is gone.
An emulator that was already answering at an explicit ASYNCDLQ_ENDPOINT is used, never stopped.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
from collections.abc import Iterator
from pathlib import Path

from ..progress import say
from .background import is_answering, start_background, started_endpoint, stop
from .process import EmulatorInfo, adopt

LEASE_FILE = "emulator.json"
_LOCK_FILE = "emulator.lock"
_EMULATOR_DIR = "emulator"
DEFAULT_HOST = "http://127.0.0.1"


@contextlib.contextmanager
def _locked(run_dir: Path) -> Iterator[None]:
    run_dir.mkdir(parents=True, exist_ok=True)
    with open(run_dir / _LOCK_FILE, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _read(run_dir: Path) -> dict | None:
    try:
        return json.loads((run_dir / LEASE_FILE).read_text())
    except (OSError, ValueError):
        return None


def lease(
    run_dir: Path, *, endpoint: str | None, time_scale: float, owner_pid: int | None = None
) -> EmulatorInfo:
    """The run's emulator: the recorded one, one answering at ``endpoint``, or a new one.

    ``endpoint`` is an explicit ASYNCDLQ_ENDPOINT (started there if nothing answers); None picks
    a free port. A started emulator stops by itself once ``owner_pid`` (the run's controller)
    has ended, however it ended.
    """
    with _locked(run_dir):
        record = _read(run_dir)
        if record and is_answering(record["endpoint"]):
            return EmulatorInfo(record["endpoint"], record["pid"], record["time_scale"], False)
        if endpoint:
            health = is_answering(endpoint)
            if health is not None:
                found = adopt(endpoint, health, time_scale)
                record = {"endpoint": endpoint, "pid": found.pid, "time_scale": found.time_scale}
                (run_dir / LEASE_FILE).write_text(json.dumps({**record, "ours": False}))
                return found
        emulator_dir = run_dir / _EMULATOR_DIR
        pid = start_background(
            endpoint or DEFAULT_HOST + ":0",
            time_scale=time_scale,
            state_dir=emulator_dir,
            free_port=endpoint is None,
            exit_with_pid=owner_pid,
        )
        listening = endpoint or started_endpoint(emulator_dir)
        assert listening
        record = {"endpoint": listening, "pid": pid, "time_scale": time_scale, "ours": True}
        (run_dir / LEASE_FILE).write_text(json.dumps(record))
        return EmulatorInfo(listening, pid, time_scale, True)


def release(run_dir: Path, *, keep: bool = False) -> None:
    """Stop the run's emulator if the run started it (``keep``: say how to stop it later)."""
    record = _read(run_dir)
    if not record or not record.get("ours"):
        return
    if keep:
        say(
            f"left the emulator running on {record['endpoint']} (pid {record['pid']}); "
            f"stop it with: kill {record['pid']}"
        )
        return
    stop(run_dir / _EMULATOR_DIR)
    (run_dir / LEASE_FILE).unlink(missing_ok=True)
