"""The emulator as a detached background process: start it, tell whether it answers, stop it.

``start_background`` launches ``python -m asyncdlq emulator`` in a session of its own, logging to
a state directory that also holds its pid and ready files; ``stop`` ends it and everything it
started. ``is_answering`` tells our emulator from something else listening on the port.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from .. import process_sweep
from ..process_sweep import ProcessInfo
from ..progress import say

HEALTH_PATH = "/_asyncdlq/health"
START_TIMEOUT_S = 30.0
STOP_GRACE_S = 10.0
# After the emulator is gone, how long what it started gets to go by itself before SIGKILL: the
# emulator kills its workers' groups as it exits, so anything still there after this escaped it.
LEFTOVER_GRACE_S = 2.0
PID_FILE = "emulator.pid"
LOG_FILE = "emulator.log"
READY_FILE = "emulator.ready.json"
_LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}

# Popen objects of emulators started here, so stop() can reap them (a zombie still "exists"
# for os.kill(pid, 0) and would look alive until the SIGKILL deadline).
_started: dict[int, subprocess.Popen[bytes]] = {}


class EmulatorError(RuntimeError):
    """The emulator cannot be found or started; the message says what to do."""


class PortTakenError(EmulatorError):
    """Something other than the asyncdlq emulator listens at the endpoint."""


def _host_port(endpoint: str) -> tuple[str, int]:
    parts = urlsplit(endpoint)
    if not parts.hostname:
        raise EmulatorError(f"endpoint {endpoint!r} has no host; use e.g. http://127.0.0.1:4599")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return parts.hostname, port


def _accepts_connections(host: str, port: int, timeout_s: float) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout_s):
            return True
    except OSError:
        return False


def _not_ours(endpoint: str, why: str) -> PortTakenError:
    host, port = _host_port(endpoint)
    return PortTakenError(
        f"{endpoint} is in use by something that is not the asyncdlq emulator ({why}). "
        f"Stop what listens on port {port}, or set ASYNCDLQ_ENDPOINT to a free port, "
        f"e.g. ASYNCDLQ_ENDPOINT=http://{host}:{port + 1}"
    )


def is_answering(endpoint: str, timeout_s: float = 2.0) -> dict[str, Any] | None:
    """The emulator's health JSON when it answers at ``endpoint``; None when nothing listens.

    Raises PortTakenError when something listens there but is not our emulator, so callers
    don't try to start a second server on a taken port.
    """
    host, port = _host_port(endpoint)
    if not _accepts_connections(host, port, timeout_s):
        return None
    url = endpoint.rstrip("/") + HEALTH_PATH
    try:
        with urllib.request.urlopen(url, timeout=timeout_s) as response:
            status, body = response.status, response.read(64 * 1024)
    except urllib.error.HTTPError as exc:
        raise _not_ours(endpoint, f"GET {HEALTH_PATH} returned HTTP {exc.code}") from None
    except (OSError, ValueError) as exc:  # includes timeouts and non-HTTP replies
        raise _not_ours(endpoint, f"GET {HEALTH_PATH} failed: {exc}") from None
    try:
        health = json.loads(body)
    except ValueError:
        health = None
    if status != 200 or not isinstance(health, dict) or health.get("status") != "ok":
        raise _not_ours(endpoint, f"GET {HEALTH_PATH} returned HTTP {status}: {body[:200]!r}")
    return health


def _log_tail(path: Path, lines: int = 40) -> str:
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return "(no log)"
    return "\n".join(text.splitlines()[-lines:]) or "(log is empty)"


def _gone(pid: int) -> bool:
    popen = _started.get(pid)
    if popen is not None:
        return popen.poll() is not None
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)  # reap it if it is our child
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def _wait_gone(
    pid: int, timeout_s: float, tree: dict[tuple[int, int], ProcessInfo] | None = None
) -> bool:
    """Wait for ``pid`` to end; meanwhile add what it starts (a worker spawned while it stops)
    to ``tree``."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if tree is not None:
            _collect(pid, None, tree)
        if _gone(pid):
            return True
        time.sleep(0.1)
    return _gone(pid)


def _collect(pid: int, endpoint: str | None, tree: dict[tuple[int, int], ProcessInfo]) -> None:
    """Add the emulator's processes to ``tree``: its descendants (workers, spare runtimes, what
    handlers started), and with ``endpoint`` also processes that left the tree (``setsid``, a
    double fork): a handler's environment, inherited by what it starts, has this emulator as
    AWS_ENDPOINT_URL and a function name (the harness's own terraform has the first only)."""
    processes = process_sweep.all_processes()
    for info in process_sweep.descendants(pid, processes):
        tree.setdefault((info.pid, info.started), info)
    if endpoint is None:
        return
    for info in processes:
        if info.exited or (info.pid, info.started) in tree:
            continue
        env = process_sweep.environ_of(info.pid)
        if env.get("AWS_ENDPOINT_URL") == endpoint and "AWS_LAMBDA_FUNCTION_NAME" in env:
            tree[(info.pid, info.started)] = info


def _sweep_leftovers(
    tree: dict[tuple[int, int], ProcessInfo],
) -> tuple[list[ProcessInfo], list[int]]:
    """Wait briefly for the emulator's processes to end, then SIGKILL the rest; return the ones
    that had to be killed and the pids still running after that (not ours to kill)."""
    left = [info for info in tree.values() if process_sweep.same_alive(info)]
    deadline = time.monotonic() + LEFTOVER_GRACE_S
    while left and time.monotonic() < deadline:
        time.sleep(0.05)
        left = [info for info in left if process_sweep.same_alive(info)]
    for info in left:
        if process_sweep.same_alive(info):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(info.pid, signal.SIGKILL)
    return left, process_sweep.wait_gone([info.pid for info in left], 5.0)


def _signal(pid: int, sig: int) -> None:
    # start_new_session made the emulator a group leader: signal the group so the function
    # workers it spawned go too.
    try:
        if os.getpgid(pid) == pid:
            os.killpg(pid, sig)
        else:
            os.kill(pid, sig)
    except ProcessLookupError:
        pass


def _looks_like_emulator(pid: int) -> bool:
    """Guard against a stale pid file whose pid now belongs to an unrelated process."""
    cmdline = Path(f"/proc/{pid}/cmdline")
    if not cmdline.exists():
        return True  # no /proc (macOS): trust the pid file
    with contextlib.suppress(OSError):
        args = cmdline.read_bytes().split(b"\0")
        return b"asyncdlq" in args and b"emulator" in args
    return False


def start_background(
    endpoint: str,
    *,
    time_scale: float,
    state_dir: Path,
    free_port: bool = False,
    exit_with_pid: int | None = None,
) -> int:
    """Start the emulator detached, logging to state_dir/emulator.log; return its pid once its
    health check answers (at most 30 s). ``free_port=True`` ignores the endpoint's port and lets
    the emulator pick a free one; read it with ``started_endpoint(state_dir)``."""
    host, port = _host_port(endpoint)
    if host not in _LOCAL_HOSTS:
        raise EmulatorError(
            f"nothing answers at {endpoint}, and it is not on this machine so it can't be started "
            "here; start the emulator there, or unset ASYNCDLQ_ENDPOINT to use a local one"
        )
    bind = "127.0.0.1" if host == "localhost" else host
    state_dir.mkdir(parents=True, exist_ok=True)
    log_path = state_dir / LOG_FILE
    pid_path = state_dir / PID_FILE
    # The emulator writes its real endpoint here once it listens: with port 0 nobody else knows it,
    # and binding it there (not probing for a free port first) leaves no race with other runs.
    ready_path = state_dir / READY_FILE
    ready_path.unlink(missing_ok=True)
    cmd = [
        sys.executable,
        "-m",
        "asyncdlq",
        "emulator",
        "--host",
        bind,
        "--port",
        "0" if free_port else str(port),
        "--time-scale",
        repr(float(time_scale)),
        "--ready-file",
        str(ready_path),
    ]
    if exit_with_pid is not None:
        cmd += ["--exit-with-pid", str(exit_with_pid)]
    where = f"a free port of {bind}" if free_port else endpoint
    say(f"starting emulator on {where} (time scale {time_scale:g}), log {log_path}")
    with open(log_path, "ab") as log:
        proc = subprocess.Popen(
            cmd,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # Ctrl-C on the test run must not kill it mid-teardown
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
    _started[proc.pid] = proc
    pid_path.write_text(f"{proc.pid}\n")
    started = time.monotonic()
    while True:
        code = proc.poll()
        if code is not None:
            pid_path.unlink(missing_ok=True)
            _started.pop(proc.pid, None)
            raise EmulatorError(
                f"the emulator exited with code {code} during start-up "
                f"({' '.join(cmd)}); last lines of {log_path}:\n{_log_tail(log_path)}"
            )
        listening = started_endpoint(state_dir) if free_port else endpoint
        try:
            health = is_answering(listening, timeout_s=1.0) if listening else None
        except PortTakenError as exc:
            stop(state_dir)
            raise PortTakenError(
                f"{exc}\nLast lines of {log_path} (the emulator started here):\n"
                f"{_log_tail(log_path)}"
            ) from None
        if health is not None:
            say(f"emulator answering on {listening} after {time.monotonic() - started:.1f}s")
            return proc.pid
        if time.monotonic() - started > START_TIMEOUT_S:
            stop(state_dir)
            raise EmulatorError(
                f"the emulator did not answer on {where} within "
                f"{START_TIMEOUT_S:g}s; last lines of {log_path}:\n{_log_tail(log_path)}"
            )
        time.sleep(0.1)


def started_endpoint(state_dir: Path) -> str | None:
    """The endpoint the emulator started with ``state_dir`` listens on, once it listens."""
    try:
        return str(json.loads((state_dir / READY_FILE).read_text())["endpoint"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def stop(state_dir: Path) -> bool:
    """Stop the emulator named in state_dir/emulator.pid and everything it started.

    SIGTERM, SIGKILL after STOP_GRACE_S; then its workers and the processes their handlers
    started, tracked from before the signal, get LEFTOVER_GRACE_S to end and are killed if they
    don't. Says what it did. Returns True when a running emulator was stopped, False when there
    was none.
    """
    pid_path = state_dir / PID_FILE
    try:
        pid = int(pid_path.read_text().strip())
    except (OSError, ValueError):
        return False
    try:
        if _gone(pid) or (pid not in _started and not _looks_like_emulator(pid)):
            return False
        endpoint = started_endpoint(state_dir)
        tree: dict[tuple[int, int], ProcessInfo] = {}
        _collect(pid, endpoint, tree)
        began = time.monotonic()
        _signal(pid, signal.SIGTERM)
        how = "stopped"
        if not _wait_gone(pid, STOP_GRACE_S, tree):
            say(f"emulator (pid {pid}) ignored SIGTERM for {STOP_GRACE_S:g}s; killing it")
            _signal(pid, signal.SIGKILL)
            _wait_gone(pid, 5.0)
            how = "killed"
        _collect(pid, endpoint, tree)  # handlers' orphans, now reparented away from it
        killed, still = _sweep_leftovers(tree)
        said = f"emulator (pid {pid}) {how} in {time.monotonic() - began:.1f}s"
        if killed:
            names = ", ".join(f"{p.pid} {p.name}" for p in killed[:10])
            said += f"; killed {len(killed)} process(es) it left running ({names})"
        if still:
            said += f"; still running, could not be killed: {', '.join(map(str, still))}"
        elif tree:
            said += f"; none of the {len(tree)} process(es) it had started is left"
        say(said)
        return True
    finally:
        popen = _started.pop(pid, None)
        if popen is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                popen.wait(timeout=1)
        pid_path.unlink(missing_ok=True)


def leave_running(pid: int) -> None:
    """Let the emulator ``pid`` started here outlive this process: it is no longer ours to reap."""
    _started.pop(pid, None)
