"""Starting runtime processes: private pipes, their own session, death with the emulator, spares.

The bootstrap reads its setup and requests from a private pipe and answers on another; its fd 0
is /dev/null from the start. (fd 0 used to carry the requests: a handler that read stdin could
race the runtime for them, and a pipe end numbered 0-2 in the emulator, possible when its own
stdin is closed, was clobbered by the child's stdio set-up. Private pipes moved above 2 avoid
both.)
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import queue
import signal
import subprocess
import threading
import uuid
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["RuntimeProcess", "Spawner", "become_subreaper"]

log = logging.getLogger(__name__)

BOOTSTRAP = Path(__file__).with_name("bootstrap.py")
# Marks every process started from a runtime process: the spare's own environment, inherited
# by anything it forks without exec (docs/aws-behaviour.md, Execution environments and their
# processes).
SPAWN_MARKER = "ASYNCDLQ_SPAWN"
_PR_SET_CHILD_SUBREAPER = 36


def become_subreaper() -> bool:
    """Make this process adopt orphaned descendants (Linux), so a double-forked handler child
    stays findable under it instead of init. For a process that only runs the emulator: it then
    owns reaping those orphans."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def _high_pipe() -> tuple[int, int]:
    """A pipe whose ends are numbered 3 or more (close-on-exec, as os.pipe makes them)."""
    r, w = os.pipe()
    ends = []
    for fd in (r, w):
        if fd < 3:
            moved = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 3)
            os.close(fd)
            fd = moved
        ends.append(fd)
    return ends[0], ends[1]


@dataclass
class RuntimeProcess:
    """A started bootstrap: the process, the request pipe's write end, the control pipe's read
    end, and the marker in its environment.

    A descriptor is closed only by its last user (writes and close under one lock; the readers
    close theirs at end of file), so a late write can never land in a reused descriptor number.
    """

    popen: subprocess.Popen[bytes]
    requests: int
    control: int
    marker: bytes
    _write_lock: threading.Lock = field(default_factory=threading.Lock)
    _requests_open: bool = True

    @property
    def pid(self) -> int:
        return self.popen.pid

    def write(self, data: bytes) -> None:
        """Write all of ``data`` to the request pipe; OSError once it is closed or broken."""
        with self._write_lock:
            if not self._requests_open:
                raise BrokenPipeError("the request pipe is closed")
            view = memoryview(data)
            while view:
                view = view[os.write(self.requests, view) :]

    def close_requests(self) -> None:
        with self._write_lock:
            if self._requests_open:
                self._requests_open = False
                os.close(self.requests)

    def discard(self) -> None:
        """Kill a spare nobody reads from, and close all its pipes."""
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.popen.pid, signal.SIGKILL)
        self.popen.wait()
        self.close_requests()
        os.close(self.control)
        if self.popen.stdout is not None:
            self.popen.stdout.close()


def _spawn(interpreter: str) -> RuntimeProcess:
    request_r, request_w = _high_pipe()
    control_r, control_w = _high_pipe()
    token = uuid.uuid4().hex
    try:
        popen = subprocess.Popen(
            [interpreter, "-u", str(BOOTSTRAP)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            pass_fds=(request_r, control_w),
            env={
                "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
                "LANG": "en_US.UTF-8",
                "TZ": ":UTC",
                "PYTHONDONTWRITEBYTECODE": "1",
                "ASYNCDLQ_REQUEST_FD": str(request_r),
                "ASYNCDLQ_CONTROL_FD": str(control_w),
                "ASYNCDLQ_PARENT_PID": str(os.getpid()),
                SPAWN_MARKER: token,
            },
            cwd="/",
            start_new_session=True,  # its own session and process group: killpg reaches all
        )
    except BaseException:
        for fd in (request_r, request_w, control_r, control_w):
            os.close(fd)
        raise
    os.close(request_r)
    os.close(control_w)
    return RuntimeProcess(popen, request_w, control_r, f"{SPAWN_MARKER}={token}".encode())


class Spawner:
    """Starts every runtime process from one long-lived thread, and keeps one idle spare per
    interpreter so a cold start skips process start-up (AWS keeps sandboxes ready too).

    One thread because the bootstrap asks for SIGKILL when its parent dies (PR_SET_PDEATHSIG),
    and Linux sends it when the *thread* that forked it ends, not the process.
    """

    def __init__(self) -> None:
        self._jobs: queue.Queue[tuple[str, Future[RuntimeProcess] | None] | None] = queue.Queue()
        self._ready: dict[str, RuntimeProcess] = {}
        self._lock = threading.Lock()
        self._closed = False
        self._thread = threading.Thread(target=self._run, daemon=True, name="runtime-spawner")
        self._thread.start()

    def take(self, interpreter: str) -> RuntimeProcess:
        """A started runtime process for ``interpreter``; raises OSError when none can start."""
        with self._lock:
            if self._closed:
                raise RuntimeError("the worker pool is shut down")
            spare = self._ready.pop(interpreter, None)
        if spare is not None and spare.popen.poll() is not None:
            spare.discard()  # it died while waiting: start another
            spare = None
        if spare is None:
            future: Future[RuntimeProcess] = Future()
            self._jobs.put((interpreter, future))
            spare = future.result()
        self._jobs.put((interpreter, None))  # refill in the background
        return spare

    def _run(self) -> None:
        while True:
            job = self._jobs.get()
            if job is None:
                return
            interpreter, future = job
            if future is not None:
                try:
                    future.set_result(_spawn(interpreter))
                except BaseException as exc:  # reported to the taker, never lost
                    future.set_exception(exc)
                continue
            with self._lock:
                wanted = not self._closed and interpreter not in self._ready
            if not wanted:
                continue
            try:
                spare = _spawn(interpreter)
            except OSError:
                log.warning("could not start a spare runtime with %s", interpreter, exc_info=True)
                continue
            with self._lock:
                keep = not self._closed and interpreter not in self._ready
                if keep:
                    self._ready[interpreter] = spare
            if not keep:
                spare.discard()

    def spare_pids(self) -> list[int]:
        with self._lock:
            return [s.pid for s in self._ready.values()]

    def shutdown(self) -> None:
        with self._lock:
            self._closed = True
            spares, self._ready = list(self._ready.values()), {}
        self._jobs.put(None)
        self._thread.join(timeout=5)
        while True:  # a taker still waiting gets an answer, never a hang
            try:
                job = self._jobs.get_nowait()
            except queue.Empty:
                break
            if job is not None and job[1] is not None:
                job[1].set_exception(RuntimeError("the worker pool is shut down"))
        with self._lock:
            spares += list(self._ready.values())
            self._ready = {}
        for spare in spares:
            spare.discard()
