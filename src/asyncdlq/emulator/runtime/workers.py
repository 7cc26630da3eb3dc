"""Execution environments: a warm worker process per function generation, reused like AWS's.

A worker runs ``bootstrap.py`` with the interpreter matching the runtime. It is reused by later
invocations and retries while its function's code and configuration are unchanged, and replaced
after a timeout or a crash, as AWS replaces a broken execution environment.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import logging
import os
import queue
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import zipfile
from pathlib import Path
from typing import Any

import boto3

from .. import logs
from .interpreters import interpreter_for
from .spec import AttemptResult, FunctionSpec

__all__ = ["Throttled", "Worker", "WorkerPool", "exit_reason"]

log = logging.getLogger(__name__)

_BOOTSTRAP = Path(__file__).with_name("bootstrap.py")
_SDK_PATH = str(Path(boto3.__file__).resolve().parents[1])

# Lambda reports a runtime that died with Go's os.ProcessState text (its init is written in Go):
# "exit status N", or "signal: <name>" from Go's signal table (syscall, zerrors_linux_*.go).
# AWS adds " (core dumped)" for SIGSEGV ("Runtime exited with error: signal: segmentation fault
# (core dumped)", quoted from AWS in FutureSharks/invokust#57 and awslabs/aws-lambda-cpp#30);
# that it does so for the other core-dumping signals too is unconfirmed but follows from Go.
GO_SIGNAL_NAMES = {
    1: "hangup",
    2: "interrupt",
    3: "quit",
    4: "illegal instruction",
    5: "trace/breakpoint trap",
    6: "aborted",
    7: "bus error",
    8: "floating point exception",
    9: "killed",
    10: "user defined signal 1",
    11: "segmentation fault",
    12: "user defined signal 2",
    13: "broken pipe",
    14: "alarm clock",
    15: "terminated",
    24: "CPU time limit exceeded",
    25: "file size limit exceeded",
    31: "bad system call",
}
_CORE_SIGNALS = {3, 4, 5, 6, 7, 8, 11, 24, 25, 31}

# Per-invocation log budget, enforced in the worker (bootstrap) and again here for output that
# bypasses sys.stdout. CloudWatch would keep everything; the emulator keeps its memory bounded
# and says in its own log how many lines it dropped.
MAX_LOG_EVENTS_PER_INVOKE = 10_000
MAX_LOG_BYTES_PER_INVOKE = 8 * 1024 * 1024
_CONTROL_LINE_LIMIT = 8 * 1024 * 1024  # one control message; longer ones are junk, not ours
_MEMORY_POLL_S = 0.005
_PAGE = os.sysconf("SC_PAGE_SIZE")


def exit_reason(returncode: int) -> str:
    """Lambda's text for a runtime process that ended with ``returncode`` (Popen's convention)."""
    if returncode == 0:
        # facts §6: sys.exit() -> "Runtime exited without providing a reason".
        return "Runtime exited without providing a reason"
    if returncode < 0:
        number = -returncode
        name = GO_SIGNAL_NAMES.get(number, f"signal {number}")
        suffix = " (core dumped)" if number in _CORE_SIGNALS else ""
        return f"Runtime exited with error: signal: {name}{suffix}"
    # "Runtime exited with error: exit status 1": floci-io/floci#3314 (recorded on AWS).
    return f"Runtime exited with error: exit status {returncode}"


def _rss_mb(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/statm", "rb") as statm:
            return int(statm.read().split()[1]) * _PAGE / (1024 * 1024)
    except (OSError, IndexError, ValueError):
        return 0.0


def _spawn_runtime(interpreter: str) -> tuple[subprocess.Popen[bytes], int, int]:
    """A runtime process that waits for its function; returns it, the control pipe's read end
    and the control descriptor's number in the child."""
    control_r, control_w = os.pipe()
    process = subprocess.Popen(
        [interpreter, "-u", str(_BOOTSTRAP)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        pass_fds=(control_w,),
        env={
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "LANG": "en_US.UTF-8",
            "TZ": ":UTC",
            "PYTHONDONTWRITEBYTECODE": "1",
            "ASYNCDLQ_SPARE": "1",
        },
        cwd="/",
        start_new_session=True,  # its own session and process group: killpg reaches all
    )
    os.close(control_w)
    return process, control_r, control_w


class Spares:
    """One started, idle runtime process per interpreter, so a cold start skips process start-up
    (AWS keeps sandboxes ready too); a taken spare is replaced in the background."""

    def __init__(self) -> None:
        self._ready: dict[str, tuple[subprocess.Popen[bytes], int, int]] = {}
        self._lock = threading.Lock()
        self._closed = False

    def take(self, interpreter: str) -> tuple[subprocess.Popen[bytes], int, int]:
        with self._lock:
            spare = self._ready.pop(interpreter, None)
        if spare is None or spare[0].poll() is not None:
            if spare is not None:
                os.close(spare[1])
            spare = _spawn_runtime(interpreter)
        threading.Thread(target=self._refill, args=(interpreter,), daemon=True).start()
        return spare

    def _refill(self, interpreter: str) -> None:
        spare = _spawn_runtime(interpreter)
        with self._lock:
            keep = not self._closed and interpreter not in self._ready
            if keep:
                self._ready[interpreter] = spare
        if not keep:
            self._discard(spare)

    @staticmethod
    def _discard(spare: tuple[subprocess.Popen[bytes], int, int]) -> None:
        process, control_r, _ = spare
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        os.close(control_r)
        for pipe in (process.stdin, process.stdout):
            if pipe is not None:
                pipe.close()

    def shutdown(self) -> None:
        with self._lock:
            self._closed = True
            spares, self._ready = list(self._ready.values()), {}
        for spare in spares:
            self._discard(spare)


class Throttled(Exception):
    """The function already runs as many invocations as its reserved concurrency allows."""


class Worker:
    """One execution environment: a process, its log stream, and a lock so it runs one at a time."""

    def __init__(
        self, spec: FunctionSpec, code_dir: Path, endpoint_url: str, spares: Spares
    ) -> None:
        self.spec = spec
        self.stream = logs.LogStream(spec.account_id, spec.region, spec.log_group, spec.version)
        self._messages: queue.Queue[dict[str, Any]] = queue.Queue()
        self._init_ms: float | None = None
        self._initialized = False
        self._init_error: dict[str, Any] | None = None
        self._oom = False
        self._peak_mb = 0.0
        self._raw_events = 0
        self._raw_bytes = 0
        self._raw_dropped = 0
        self.leased = False
        # Init Duration covers what AWS's does once a sandbox is there: importing the handler.
        self._spawned_at = time.time()
        self.process, control_r, control_fd = spares.take(interpreter_for(spec.runtime))
        setup = json.dumps(
            {"env": self._environment(code_dir, endpoint_url, control_fd), "cwd": str(code_dir)}
        ).encode()
        assert self.process.stdin is not None
        with contextlib.suppress(OSError):  # a dead spare shows up as an exit on first invoke
            self.process.stdin.write(f"{len(setup)}\n".encode() + setup)
            self.process.stdin.flush()
        self._control = os.fdopen(control_r, "rb")
        threading.Thread(target=self._read_control, daemon=True, name="worker-control").start()
        threading.Thread(target=self._read_output, daemon=True, name="worker-output").start()

    def _environment(self, code_dir: Path, endpoint_url: str, control_fd: int) -> dict[str, str]:
        spec = self.spec
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "LANG": "en_US.UTF-8",
            "TZ": ":UTC",
            "PYTHONDONTWRITEBYTECODE": "1",
            "LAMBDA_TASK_ROOT": str(code_dir),
            "LAMBDA_RUNTIME_DIR": str(_BOOTSTRAP.parent),
            "_HANDLER": spec.handler,
            "AWS_EXECUTION_ENV": f"AWS_Lambda_{spec.runtime}",
            "AWS_LAMBDA_FUNCTION_NAME": spec.function_name,
            "AWS_LAMBDA_FUNCTION_VERSION": spec.version,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(spec.memory_mb),
            "AWS_LAMBDA_LOG_GROUP_NAME": spec.log_group,
            "AWS_LAMBDA_LOG_STREAM_NAME": self.stream.name,
            "AWS_REGION": spec.region,
            "AWS_DEFAULT_REGION": spec.region,
            # Code that calls AWS from inside the function reaches the emulator, never a real account.
            "AWS_ENDPOINT_URL": endpoint_url,
            "AWS_ACCESS_KEY_ID": "test",
            "AWS_SECRET_ACCESS_KEY": "test",
            "AWS_SESSION_TOKEN": "test",
            "ASYNCDLQ_CONTROL_FD": str(control_fd),
            # Lambda's Python runtimes ship boto3 after the function's own code on sys.path;
            # the emulator's copy (pure Python) plays that part for every interpreter.
            "ASYNCDLQ_SDK_PATH": _SDK_PATH,
            "ASYNCDLQ_LOG_LIMITS": f"{MAX_LOG_EVENTS_PER_INVOKE},{MAX_LOG_BYTES_PER_INVOKE},"
            f"{logs.MAX_EVENT_BYTES}",
        }
        env.update(dict(spec.environment))
        return env

    # -- reading what the process says ------------------------------------------------------
    @staticmethod
    def _lines(stream: Any, limit: int) -> Any:
        """Complete lines of at most ``limit`` bytes; a longer line yields its first ``limit``
        bytes once (with ``truncated`` True) and the rest is read and discarded, never held."""
        while True:
            chunk = stream.readline(limit)
            if not chunk:
                return
            if chunk.endswith(b"\n"):
                yield chunk[:-1], False
                continue
            yield chunk, True
            while chunk and not chunk.endswith(b"\n"):
                chunk = stream.readline(limit)

    def _read_control(self) -> None:
        try:
            for raw, truncated in self._lines(self._control, _CONTROL_LINE_LIMIT):
                if truncated:
                    continue
                try:
                    message = json.loads(raw)
                    kind = message["type"]
                except (ValueError, TypeError, KeyError):
                    continue  # not ours (a handler wrote to the channel): never fatal
                try:
                    if kind == "log":
                        lines = [str(line) for line in message["lines"]]
                        self.stream.write_many(lines)
                    elif kind in ("init", "result", "oom"):
                        self._messages.put(message)
                except Exception:  # a malformed message must not stop the reader
                    log.debug("ignored a malformed worker message", exc_info=True)
        except (OSError, ValueError):
            pass
        finally:
            self._messages.put({"type": "exit"})

    def _read_output(self) -> None:
        # Output that bypasses sys.stdout (os.write(1, ...), C extensions, the interpreter dying).
        assert self.process.stdout is not None
        with contextlib.suppress(OSError, ValueError):
            for raw, _ in self._lines(self.process.stdout, logs.MAX_EVENT_BYTES):
                if (
                    self._raw_events >= MAX_LOG_EVENTS_PER_INVOKE
                    or self._raw_bytes >= MAX_LOG_BYTES_PER_INVOKE
                ):
                    self._raw_dropped += 1
                    continue
                self._raw_events += 1
                self._raw_bytes += len(raw)
                self.stream.write(raw.decode("utf-8", "replace"))

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    # -- one invocation ---------------------------------------------------------------------
    def invoke(self, request_id: str, payload: bytes, invoked_arn: str) -> AttemptResult:
        spec = self.spec
        cold = not self._initialized
        started = time.time()
        self._raw_events = self._raw_bytes = self._raw_dropped = 0
        self._peak_mb = 0.0
        self.stream.write(logs.start_line(request_id, spec.version))
        deadline = started + spec.timeout_s
        request = {
            "request_id": request_id,
            "payload": payload.decode("utf-8"),
            "invoked_function_arn": invoked_arn,
            "deadline_ms": deadline * 1000,
        }
        # Written from a thread: a process stuck before reading (a hung import) must not hold
        # this one past the deadline on a full pipe.
        threading.Thread(
            target=self._send_request, args=(json.dumps(request) + "\n",), daemon=True
        ).start()
        outcome = self._wait_for_result(request_id, deadline)
        ended = time.time()
        duration_ms = (ended - started) * 1000
        timed_out = outcome is None
        init_ms = self._init_ms if cold else None
        platform_error: str | None = None  # the REPORT's Error Type for platform errors
        if timed_out:
            self.kill()
            self.stream.write(logs.timeout_line(request_id, spec.timeout_s))
            error = {
                "errorType": "Sandbox.Timedout",
                "errorMessage": f"RequestId: {request_id} Error: Task timed out after "
                f"{spec.timeout_s:.2f} seconds",
            }
            outcome = {"ok": False, "error": error, "max_memory_mb": 0, "compact": True}
        elif outcome["type"] == "init":
            # An init error reaches the invoke that triggered the init, with requestId ""
            # (facts §6); the runtime exits, so the next invoke initializes again (awslambdaric).
            error = outcome["error"]
            platform_error = error.get("errorType") or None
            outcome = {"ok": False, "error": error, "max_memory_mb": int(self._peak_mb) + 1}
            init_ms = None
            self.kill()
        elif outcome["type"] == "exit":
            code = self._reap()
            if self._oom:
                # adobe/helix-html2md-service#1001 (AWS, 2026): {"errorType":"Runtime.OutOfMemory",
                # "errorMessage":"RequestId: <id> Error: Runtime exited with error: signal: killed"}
                error_type, reason = "Runtime.OutOfMemory", exit_reason(-signal.SIGKILL)
                max_mb = spec.memory_mb
            else:
                error_type, reason = "Runtime.ExitError", exit_reason(code)
                max_mb = int(self._peak_mb) + 1
            error = {
                "errorType": error_type,
                "errorMessage": f"RequestId: {request_id} Error: {reason}",
            }
            outcome = {"ok": False, "error": error, "max_memory_mb": max_mb, "compact": True}
            platform_error = error_type
            if not self._initialized:
                init_ms = None
        self.stream.write(logs.end_line(request_id))
        self.stream.write(
            logs.report_line(
                request_id,
                duration_ms,
                spec.memory_mb,
                int(outcome.get("max_memory_mb", 0)),
                init_ms,
                timed_out,
                platform_error,
            )
        )
        if platform_error and outcome.get("compact"):
            # The platform's own event after REPORT: "RequestId: <id> Error: <reason>" and the
            # error type on the next line (aws/aws-lambda-dotnet#480, awslabs/aws-lambda-cpp#30).
            self.stream.write(f"{outcome['error']['errorMessage']}\n{platform_error}")
        dropped = int(outcome.get("dropped_lines", 0)) + self._raw_dropped
        if dropped:
            log.warning(
                "%s %s: dropped %d log line(s) over the emulator's per-invocation budget",
                spec.function_name,
                request_id,
                dropped,
            )
        if outcome["ok"]:
            if outcome.get("payload_b64") is not None:
                import base64

                body = base64.b64decode(outcome["payload_b64"])
            else:
                body = str(outcome["payload"]).encode()
        elif outcome.get("compact"):
            body = json.dumps(outcome["error"], separators=(",", ":")).encode()
        else:
            body = json.dumps(outcome["error"]).encode()
        return AttemptResult(
            request_id=request_id,
            ok=bool(outcome["ok"]),
            payload=body,
            error=outcome.get("error"),
            log_stream=self.stream.name,
            started_at=started,
            ended_at=ended,
            duration_ms=duration_ms,
            cold_start=cold,
            init_ms=init_ms,
            max_memory_mb=int(outcome.get("max_memory_mb", 0)),
            timed_out=timed_out,
        )

    def _send_request(self, line: str) -> None:
        with contextlib.suppress(BrokenPipeError, OSError, ValueError):
            assert self.process.stdin is not None
            self.process.stdin.write(line.encode())
            self.process.stdin.flush()

    def _wait_for_result(self, request_id: str, deadline: float) -> dict[str, Any] | None:
        """The ``result``, failed ``init`` or ``exit`` message; None when the deadline passes.

        Meanwhile the process's resident memory is polled: above MemorySize it is killed, as
        Lambda's cgroup kills an environment that runs out of memory.
        """
        limit_mb = self.spec.memory_mb
        while True:
            remaining = deadline - time.time()
            if remaining <= 0:
                return None
            try:
                message = self._messages.get(timeout=min(remaining, _MEMORY_POLL_S))
            except queue.Empty:
                rss = _rss_mb(self.process.pid)
                self._peak_mb = max(self._peak_mb, rss)
                if rss > limit_mb and not self._oom:
                    self._oom = True
                    self.kill(wait=False)
                continue
            kind = message["type"]
            if kind == "init":
                self._init_ms = (time.time() - self._spawned_at) * 1000
                if message.get("error") is not None:
                    self._init_error = message["error"]
                    return message
                self._initialized = True
            elif kind == "oom":
                self._oom = True
            elif kind == "exit":
                return message
            elif kind == "result" and message.get("request_id") == request_id:
                if not isinstance(message.get("ok"), bool):
                    continue
                return message

    def _reap(self) -> int:
        try:
            return self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            # The control channel closed but the process lives on (it closed the descriptor).
            self.kill()
            return self.process.wait()

    def kill(self, wait: bool = True) -> None:
        """SIGKILL the whole process group: the runtime and anything it started."""
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)
        if wait:
            self.process.wait()

    def stop(self) -> None:
        if self.alive:
            with contextlib.suppress(OSError, ValueError):
                assert self.process.stdin is not None
                self.process.stdin.close()  # bootstrap's loop ends on EOF
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=2)
        self.kill()  # and whatever it left behind in its group


class WorkerPool:
    """Idle workers per function generation; extracted code shared by content hash."""

    def __init__(self, endpoint_url: str, work_dir: Path | None = None) -> None:
        self.endpoint_url = endpoint_url
        self._work_dir = Path(work_dir or tempfile.mkdtemp(prefix="asyncdlq-code-"))
        self._idle: dict[str, list[Worker]] = {}
        self._generation: dict[str, str] = {}  # function ARN -> current environment key
        self._busy: dict[str, int] = {}  # function ARN -> leased workers
        self._spares = Spares()
        self._lock = threading.Lock()

    def _code_dir(self, spec: FunctionSpec) -> Path:
        digest = hashlib.sha256(spec.code_zip).hexdigest()[:20]
        target = self._work_dir / digest
        if not target.exists():
            partial = self._work_dir / f"{digest}.partial-{threading.get_ident()}"
            with zipfile.ZipFile(io.BytesIO(spec.code_zip)) as zf:
                zf.extractall(partial)
            try:
                partial.rename(target)
            except OSError:
                shutil.rmtree(partial, ignore_errors=True)  # another thread got there first
        return target

    def acquire(self, spec: FunctionSpec, limit: int | None = None) -> Worker:
        """An idle worker of the function's current generation, or a new one.

        With ``limit``, raises ``Throttled`` when ``limit`` workers of this function (any
        version) are already leased: the slot is taken under the pool's lock, so concurrent
        callers never exceed it. Every successful acquire must be paired with one ``release``.
        """
        key = spec.environment_key
        stale: list[Worker] = []
        with self._lock:
            if limit is not None and self._busy.get(spec.function_arn, 0) >= limit:
                raise Throttled(spec.function_arn)
            self._busy[spec.function_arn] = self._busy.get(spec.function_arn, 0) + 1
            if self._generation.get(spec.function_arn) != key:
                # Code or configuration changed: AWS starts fresh environments for the new version.
                old = self._generation.get(spec.function_arn)
                stale = self._idle.pop(old, []) if old else []
                self._generation[spec.function_arn] = key
            idle = self._idle.setdefault(key, [])
            worker = None
            while idle and worker is None:
                candidate = idle.pop()
                if candidate.alive:
                    worker = candidate
                else:
                    stale.append(candidate)  # died while idle: reap its group
        for w in stale:
            w.stop()
        if worker is None:
            try:
                worker = Worker(spec, self._code_dir(spec), self.endpoint_url, self._spares)
            except BaseException:
                with self._lock:
                    self._busy[spec.function_arn] -= 1
                raise
        worker.leased = True
        return worker

    def release(self, worker: Worker) -> None:
        with self._lock:
            if worker.leased:
                worker.leased = False
                self._busy[worker.spec.function_arn] -= 1
            current = self._generation.get(worker.spec.function_arn) == worker.spec.environment_key
            if worker.alive and current:
                self._idle.setdefault(worker.spec.environment_key, []).append(worker)
                return
        worker.stop()  # a crashed, timed-out or outdated environment is replaced, group and all

    def busy(self, function_arn: str) -> int:
        """How many workers of the function are leased now."""
        with self._lock:
            return self._busy.get(function_arn, 0)

    def shutdown(self) -> None:
        with self._lock:
            workers = [w for ws in self._idle.values() for w in ws]
            self._idle.clear()
            self._generation.clear()
        for w in workers:
            w.stop()
        self._spares.shutdown()
        shutil.rmtree(self._work_dir, ignore_errors=True)
