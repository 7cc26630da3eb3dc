"""One execution environment: a runtime process, its log stream, what it has used, its lease.

Between invocations the environment's processes are stopped (SIGSTOP), as Lambda freezes an
environment until the next invoke (docs/aws-behaviour.md, Execution environments and their
processes): a handler's background thread makes no progress, holds no CPU, and its memory can
only grow while an invocation runs, which is when the monitor measures it.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import queue
import signal
import threading
import time
from pathlib import Path
from typing import Any, Callable

import boto3

from .. import function_logs
from ..logs_visibility import LogWriter
from . import process_tree
from .channel import (
    MAX_LOG_EVENTS_PER_INVOKE,
    RESPONSE_LIMIT,
    LogBudget,
    bounded_lines,
    read_control,
)
from .interpreters import interpreter_for
from .invoke_outcome import finish_invoke
from .runtime_process import RuntimeProcess, Spawner
from .spec import AttemptResult, FunctionSpec

__all__ = ["RuntimeFailure", "Worker"]

log = logging.getLogger(__name__)

_SDK_PATH = str(Path(boto3.__file__).resolve().parents[1])


class RuntimeFailure(Exception):
    """The emulator, not the function, failed to run an attempt (its runtime did not start, a
    pipe broke, the pool stopped it): AWS would treat it as a service-side error."""


class Worker:
    """One execution environment: a process, its log stream, and a lock so it runs one at a time."""

    def __init__(
        self,
        spec: FunctionSpec,
        code_dir: Path,
        endpoint_url: str,
        spawner: Spawner,
        may_create_log_group: Callable[[FunctionSpec], bool] | None = None,
        log_writer: LogWriter | None = None,
    ):
        self.spec = spec
        self.stream = function_logs.LogStream(
            spec.account_id,
            spec.region,
            spec.log_group,
            spec.version,
            None if may_create_log_group is None else lambda: may_create_log_group(spec),
            writer=log_writer,
        )
        self.marker = f"AWS_LAMBDA_LOG_STREAM_NAME={self.stream.name}".encode()
        self._messages: queue.Queue[dict[str, Any]] = queue.Queue()
        self.budget = LogBudget()
        self.response_limit = RESPONSE_LIMIT
        self._init_ms: float | None = None
        self._ready = False
        self._initialized = False
        self.oom = False
        self.peak_mb = 0.0
        self.stopped_by_pool = False
        self.leased = False
        self.retired = False  # its function (or version) was deleted while it ran
        self.busy_since: float | None = None
        self.idle_since = time.time()
        self.tree: set[int] = set()  # its processes besides the runtime, as last scanned
        self.known: set[tuple[int, int]] = set()  # every (pid, start time) ever seen in it
        self._frozen = False
        self._lock = threading.Lock()
        self._control_closed = threading.Event()
        # Init Duration covers what AWS's does once a sandbox is there: importing the handler.
        self._spawned_at = time.time()
        try:
            self.runtime: RuntimeProcess = spawner.take(interpreter_for(spec.runtime))
        except (OSError, RuntimeError) as exc:
            raise RuntimeFailure(f"could not start a runtime for {spec.runtime}: {exc}") from exc
        self.process = self.runtime.popen
        self.markers = (self.marker, self.runtime.marker)
        setup = {
            "env": self._environment(code_dir, endpoint_url),
            "cwd": str(code_dir),
            "sdk_path": _SDK_PATH,
            "max_event_bytes": function_logs.MAX_EVENT_BYTES,
            "max_log_events": MAX_LOG_EVENTS_PER_INVOKE,
        }
        body = json.dumps(setup).encode()
        try:
            self._write(f"{len(body)}\n".encode() + body)
        except OSError as exc:
            self.kill()
            raise RuntimeFailure(f"the runtime process died before its setup: {exc}") from exc
        self._control = os.fdopen(self.runtime.control, "rb")  # closed by its reader
        threading.Thread(target=self._read_control, daemon=True, name="worker-control").start()
        threading.Thread(target=self._read_output, daemon=True, name="worker-output").start()
        threading.Thread(target=self._await_exit, daemon=True, name="worker-exit").start()

    def _environment(self, code_dir: Path, endpoint_url: str) -> dict[str, str]:
        spec = self.spec
        # The function's own variables first: what Lambda defines wins (reserved keys are
        # refused at CreateFunction; this keeps the emulator right even if one slips through).
        env = dict(spec.environment)
        env.update(
            {
                "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
                "LANG": "en_US.UTF-8",
                "TZ": ":UTC",
                "PYTHONDONTWRITEBYTECODE": "1",
                "LAMBDA_TASK_ROOT": str(code_dir),
                "LAMBDA_RUNTIME_DIR": str(Path(__file__).parent),
                "_HANDLER": spec.handler,
                "AWS_EXECUTION_ENV": f"AWS_Lambda_{spec.runtime}",
                "AWS_LAMBDA_FUNCTION_NAME": spec.function_name,
                "AWS_LAMBDA_FUNCTION_VERSION": spec.version,
                "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(spec.memory_mb),
                "AWS_LAMBDA_LOG_GROUP_NAME": spec.log_group,
                "AWS_LAMBDA_LOG_STREAM_NAME": self.stream.name,
                "AWS_REGION": spec.region,
                "AWS_DEFAULT_REGION": spec.region,
                # Code calling AWS from inside the function reaches the emulator, never an account.
                "AWS_ENDPOINT_URL": endpoint_url,
                "AWS_ACCESS_KEY_ID": "test",
                "AWS_SECRET_ACCESS_KEY": "test",
                "AWS_SESSION_TOKEN": "test",
            }
        )
        # A function's ASYNCDLQ_* variables reach it like any other (AWS passes them on); they
        # cannot speak to the bootstrap, which took its channels before this environment.
        return env

    # -- the pipes --------------------------------------------------------------------------
    def _write(self, data: bytes) -> None:
        self.runtime.write(data)

    def _read_control(self) -> None:
        try:
            read_control(
                self._control,
                self._log_lines,
                self._messages.put,
                lambda: self.response_limit,
                self.budget,
            )
        except (OSError, ValueError, EOFError):
            pass
        finally:
            self._control_closed.set()
            self._messages.put({"type": "exit"})
            self._control.close()

    def _await_exit(self) -> None:
        # A child forked without exec holds the channel open after the runtime died: its exit,
        # not the channel's end, is what tells. What it wrote before dying is read first.
        self.process.wait()
        if not self._control_closed.wait(0.25):
            self._messages.put({"type": "exit"})

    def _log_lines(self, lines: list[str]) -> None:
        kept = self.budget.admit(lines)
        if kept:
            self.stream.write_many(kept)

    def _read_output(self) -> None:
        # Output that bypasses sys.stdout (os.write(1, ...), C extensions, the interpreter dying).
        assert self.process.stdout is not None
        with contextlib.suppress(OSError, ValueError):
            for raw, _ in bounded_lines(self.process.stdout, function_logs.MAX_EVENT_BYTES):
                self._log_lines([raw.decode("utf-8", "replace")])
        self.process.stdout.close()

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    # -- freezing between invocations -----------------------------------------------------------
    def _pids(self) -> set[int]:
        return {self.process.pid, *self.tree}

    def freeze(self) -> None:
        with self._lock:
            if self._frozen or not self.alive:
                return
            self._frozen = True
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.process.pid, signal.SIGSTOP)
            process_tree.signal_all(self._still_ours(), signal.SIGSTOP)

    def thaw(self) -> None:
        with self._lock:
            if not self._frozen:
                return
            self._frozen = False
            if self.alive:  # once reaped, its number may name another process group
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(self.process.pid, signal.SIGCONT)
            process_tree.signal_all(self._still_ours(), signal.SIGCONT)

    def _still_ours(self) -> set[int]:
        """The tree's processes that are still the ones seen in it. ``tree`` is as of the last
        scan (and not rescanned while frozen): a pid in it may have ended and been reused by an
        unrelated process since (pid_max is often 32768), which must never be stopped."""
        return process_tree.still_running(self.known)

    # -- one invocation ---------------------------------------------------------------------
    def invoke(
        self, request_id: str, payload: bytes, invoked_arn: str, response_limit: int | None = None
    ) -> AttemptResult:
        """Run one invocation; raises RuntimeFailure when the emulator, not the function, failed."""
        spec = self.spec
        cold = not self._initialized
        started = time.time()
        self.budget.reset()
        self.response_limit = RESPONSE_LIMIT if response_limit is None else response_limit
        self.peak_mb = 0.0
        self.stream.begin_capture()  # the invocation's log tail, for LogType=Tail
        self.stream.write(function_logs.start_line(request_id, spec.version))
        deadline = started + spec.timeout_s
        request = {
            "request_id": request_id,
            "payload": payload.decode("utf-8", "surrogateescape"),
            "invoked_function_arn": invoked_arn,
            "deadline_ms": deadline * 1000,
        }
        line = json.dumps(request).encode("ascii") + b"\n"
        self.busy_since = started
        try:
            self.thaw()
            # Written from a thread: a process stuck before reading (a hung import) must not
            # hold this one past the deadline on a full pipe.
            threading.Thread(target=self._send_request, args=(line,), daemon=True).start()
            outcome = self._wait_for_result(request_id, deadline)
        finally:
            self.busy_since = None
            self.idle_since = time.time()
        if self.stopped_by_pool:
            raise RuntimeFailure(f"{spec.function_name}: its environment was stopped by the pool")
        if outcome is not None and outcome["type"] == "exit" and not self._ready:
            self.kill()
            raise RuntimeFailure(
                f"{spec.function_name}: the runtime process ended before it started "
                f"(exit {self._reap()})"
            )
        return finish_invoke(self, request_id, outcome, started, cold)

    def _send_request(self, line: bytes) -> None:
        with contextlib.suppress(OSError):
            self._write(line)

    def _wait_for_result(self, request_id: str, deadline: float) -> dict[str, Any] | None:
        """The ``result``, failed ``init`` or ``exit`` message; None when the deadline passes.
        Memory is watched meanwhile by the pool's monitor, which kills the environment (and
        sets ``oom``) when it goes over MemorySize, as Lambda's cgroup does."""
        while True:
            remaining = deadline - time.time()
            if remaining <= 0:
                return None
            try:
                message = self._messages.get(timeout=remaining)
            except queue.Empty:
                continue
            kind = message["type"]
            if kind == "ready":
                self._ready = True
            elif kind == "init":
                self._init_ms = (time.time() - self._spawned_at) * 1000
                if message.get("error") is not None:
                    return message
                self._initialized = True
            elif kind == "oom":
                self.oom = True
            elif kind == "exit":
                return message
            elif kind == "result" and message.get("request_id") == request_id:
                if not isinstance(message.get("ok"), bool):
                    continue
                return message

    @property
    def init_ms(self) -> float | None:
        return self._init_ms

    @property
    def initialized(self) -> bool:
        return self._initialized

    def _reap(self) -> int:
        try:
            return self.process.wait(timeout=5)
        except Exception:
            # The control channel closed but the process lives on (it closed the descriptor).
            self.kill()
            return self.process.wait()

    def reap(self) -> int:
        return self._reap()

    def kill(self, wait: bool = True) -> None:
        """SIGKILL the environment: its group, its process tree, its marked processes."""
        # A reaped runtime's pid may already be another process's (or group's): only a live
        # one is a root; what it left is found through ``known`` and the markers.
        roots = [self.process.pid] if self.process.returncode is None else []
        process_tree.kill_all(roots, self.markers, self.known)
        if wait:
            self.process.wait()

    def stop(self, killed: bool = False) -> None:
        """Retire the environment: its processes are gone when this returns, and its pipes
        close as their readers reach the end."""
        if killed:
            self.process.wait()
        else:
            self.kill()
        self.runtime.close_requests()
