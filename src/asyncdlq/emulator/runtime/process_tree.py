"""Finding, freezing, measuring and killing every process an execution environment started.

cgroups are not available, so an environment's processes are found three ways, each covering
what the others miss: its process group and session (children that stay in them), its /proc ppid
tree (children that ``setsid``), and a marker in each process's initial environment (double-forked
daemons reparented to init, which keep the environment they were started with).
"""

from __future__ import annotations

import contextlib
import os
import signal
from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["ProcInfo", "scan", "members", "signal_all", "kill_all", "memory_mb", "is_gone"]

_PAGE = os.sysconf("SC_PAGE_SIZE")


@dataclass(frozen=True)
class ProcInfo:
    pid: int
    ppid: int
    pgid: int
    sid: int
    state: str
    started: int  # clock ticks after boot: with the pid, identifies one process for good


def _stat(pid: int) -> ProcInfo | None:
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            data = f.read()
    except OSError:
        return None
    # The command name may hold spaces and parentheses: the fields start after the last ")".
    fields = data[data.rfind(b")") + 2 :].split()
    try:
        return ProcInfo(
            pid,
            int(fields[1]),
            int(fields[2]),
            int(fields[3]),
            fields[0].decode(),
            int(fields[19]),
        )
    except (IndexError, ValueError):
        return None


def scan() -> dict[int, ProcInfo]:
    """Every live (non-zombie) process this user can see, by pid."""
    found: dict[int, ProcInfo] = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            info = _stat(int(name))
            if info is not None and info.state not in ("Z", "X"):
                found[info.pid] = info
    return found


def _environ_has(pid: int, markers: tuple[bytes, ...]) -> bool:
    try:
        with open(f"/proc/{pid}/environ", "rb") as f:
            entries = f.read().split(b"\0")
    except OSError:
        return False
    return any(marker in entries for marker in markers)


def members(
    roots: Iterable[int],
    markers: tuple[bytes, ...] = (),
    table: dict[int, ProcInfo] | None = None,
) -> set[int]:
    """The processes belonging to the environments rooted at ``roots``: their groups and
    sessions, every descendant, and (with ``markers``, b"KEY=value" entries) every process
    whose initial environment carries one of them."""
    table = scan() if table is None else table
    roots = set(roots)
    # A root's own pid counts only while it is its group's leader: once reaped, the number may
    # belong to an unrelated process.
    found = {pid for pid, info in table.items() if info.pgid in roots}
    found |= {pid for pid, info in table.items() if info.sid in roots}
    if markers:
        me = os.getpid()
        found |= {
            pid for pid in table if pid != me and pid not in found and _environ_has(pid, markers)
        }
    children: dict[int, list[int]] = {}
    for pid, info in table.items():
        children.setdefault(info.ppid, []).append(pid)
    stack = list(found)
    while stack:
        for child in children.get(stack.pop(), []):
            if child not in found:
                found.add(child)
                stack.append(child)
    return found


def signal_all(pids: Iterable[int], signum: int) -> None:
    for pid in pids:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signum)


def still_running(known: Iterable[tuple[int, int]]) -> set[int]:
    """The pids of ``known`` (pid, start time) processes that are still the same processes."""
    out = set()
    for pid, started in known:
        info = _stat(pid)
        if info is not None and info.started == started and info.state not in ("Z", "X"):
            out.add(pid)
    return out


def kill_all(
    roots: Iterable[int],
    markers: tuple[bytes, ...] = (),
    known: Iterable[tuple[int, int]] = (),
    rounds: int = 8,
) -> set[int]:
    """SIGKILL the environments rooted at ``roots`` and all they started; returns the pids.

    Everything found is stopped first and the search repeated until it finds nothing new, so a
    process cannot fork a child the kill would miss; then all of them are killed at once.
    """
    roots = set(roots)
    extra = still_running(known)  # seen under a root earlier, maybe reparented away since
    stopped: set[int] = set()
    for _ in range(rounds):
        found = (members(roots | extra, markers) | extra) - {os.getpid()}
        new = found - stopped
        if not new:
            break
        signal_all(new, signal.SIGSTOP)
        stopped |= new
    for root in roots:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(root, signal.SIGKILL)
    signal_all(stopped, signal.SIGKILL)
    _reap_adopted(stopped - roots)
    return stopped


def _reap_adopted(pids: set[int]) -> None:
    """Collect the exit status of killed processes that were reparented to this process (it is
    a child subreaper when the CLI runs it), so they do not linger as zombies."""
    me = os.getpid()
    for pid in pids:
        info = _stat(pid)
        if info is not None and info.ppid == me:
            with contextlib.suppress(ChildProcessError, OSError):
                os.waitpid(pid, 0)


def memory_mb(pids: Iterable[int]) -> float:
    """Memory used by ``pids`` together: resident size for one process, the proportional set
    size (shared pages counted once across the processes) for several, as a cgroup counts."""
    pids = list(pids)
    if len(pids) == 1:
        try:
            with open(f"/proc/{pids[0]}/statm", "rb") as f:
                return int(f.read().split()[1]) * _PAGE / (1024 * 1024)
        except (OSError, IndexError, ValueError):
            return 0.0
    total_kb = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/smaps_rollup", "rb") as f:
                for line in f:
                    if line.startswith(b"Pss:"):
                        total_kb += int(line.split()[1])
                        break
        except (OSError, IndexError, ValueError):
            continue
    return total_kb / 1024


def is_gone(pid: int) -> bool:
    info = _stat(pid)
    return info is None or info.state in ("Z", "X")
