"""Find and end the processes a run started, wherever they ended up in the process tree.

Processes are found through /proc (Linux): by process group, by descent from a pid, or by a
marker in their environment, which survives reparenting to init (a terraform provider whose
terraform died, a handler's ``setsid`` child). Without /proc (macOS) every lookup finds nothing,
so callers fall back to what they did before: signalling the process group they know.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

_PROC = Path("/proc")
# Set in the environment of every terraform the harness runs; terraform passes its environment
# on to its provider plugins, so both carry it.
OWNER_ENV = "ASYNCDLQ_PROCESS_OWNER"


@dataclass(frozen=True)
class ProcessInfo:
    pid: int
    ppid: int
    pgid: int
    state: str  # "R", "S", "Z" (zombie: exited, not yet reaped) ...
    name: str
    started: int  # clock ticks after boot: with the pid, names one process even if pids recycle

    @property
    def exited(self) -> bool:
        return self.state in ("Z", "X")


def _info(pid: int) -> ProcessInfo | None:
    try:
        stat = (_PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    # The name is in parentheses and may itself contain ") "; the fields after the last ")"
    # are fixed: state, ppid, pgrp, ...
    name = stat[stat.find("(") + 1 : stat.rfind(")")]
    fields = stat[stat.rfind(")") + 2 :].split()
    try:
        return ProcessInfo(pid, int(fields[1]), int(fields[2]), fields[0], name, int(fields[19]))
    except (IndexError, ValueError):
        return None


def all_processes() -> list[ProcessInfo]:
    found = []
    with contextlib.suppress(OSError):
        for entry in os.listdir(_PROC):
            if entry.isdigit():
                info = _info(int(entry))
                if info is not None:
                    found.append(info)
    return found


def environ_of(pid: int) -> dict[str, str]:
    """The environment ``pid`` was started with (empty when unreadable or exited)."""
    try:
        raw = (_PROC / str(pid) / "environ").read_bytes()
    except OSError:
        return {}
    env = {}
    for item in raw.split(b"\0"):
        key, sep, value = item.partition(b"=")
        if sep:
            env[key.decode(errors="replace")] = value.decode(errors="replace")
    return env


def cmdline_of(pid: int) -> list[str]:
    try:
        raw = (_PROC / str(pid) / "cmdline").read_bytes()
    except OSError:
        return []
    return [part.decode(errors="replace") for part in raw.split(b"\0") if part]


def descendants(root: int, processes: Iterable[ProcessInfo] | None = None) -> list[ProcessInfo]:
    """Every live descendant of ``root`` now (not ``root`` itself), parents before children."""
    children: dict[int, list[ProcessInfo]] = {}
    for info in all_processes() if processes is None else processes:
        children.setdefault(info.ppid, []).append(info)
    found, todo = [], [root]
    while todo:
        for child in children.get(todo.pop(), []):
            if child.pid != root:
                found.append(child)
                todo.append(child.pid)
    return found


def group_members(pgid: int) -> list[ProcessInfo]:
    return [p for p in all_processes() if p.pgid == pgid and not p.exited]


def marked(key: str, belongs: str) -> list[ProcessInfo]:
    """Live processes whose environment has ``key`` set to ``belongs`` or a path below it."""
    found = []
    for info in all_processes():
        if info.exited or info.pid == os.getpid():
            continue
        value = environ_of(info.pid).get(key)
        if value is not None and (value == belongs or value.startswith(belongs.rstrip("/") + "/")):
            found.append(info)
    return found


def alive(pid: int) -> bool:
    """Whether ``pid`` runs. A zombie has ended; it is never reaped here, because a child of ours
    may belong to a Popen, which would then read a false exit status of 0."""
    info = _info(pid)
    return info is not None and not info.exited


def same_alive(info: ProcessInfo) -> bool:
    """Whether the very process ``info`` describes still runs (not a later one with its pid)."""
    now = _info(info.pid)
    return now is not None and now.started == info.started and alive(info.pid)


def signal_all(pids: Iterable[int], sig: int) -> None:
    for pid in pids:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, sig)


def wait_gone(pids: Iterable[int], timeout_s: float) -> list[int]:
    """Wait until none of ``pids`` runs; return those still running at the deadline."""
    left = list(pids)
    deadline = time.monotonic() + timeout_s
    while left:
        left = [pid for pid in left if alive(pid)]
        if not left or time.monotonic() >= deadline:
            break
        time.sleep(0.05)
    return left


def kill_all(pids: Iterable[int], timeout_s: float = 5.0) -> list[int]:
    """SIGKILL ``pids`` and wait for them; return any that still run (not ours to kill)."""
    pids = list(pids)
    signal_all(pids, signal.SIGKILL)
    return wait_gone(pids, timeout_s)


def kill_group(pgid: int, timeout_s: float = 5.0) -> list[int]:
    """SIGKILL process group ``pgid`` and wait until it is empty; return pids still in it."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)
    return wait_gone([p.pid for p in group_members(pgid)], timeout_s)
