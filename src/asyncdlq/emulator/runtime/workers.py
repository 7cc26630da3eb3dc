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

from .. import logs
from .interpreters import interpreter_for
from .spec import AttemptResult, FunctionSpec

_BOOTSTRAP = Path(__file__).with_name("bootstrap.py")


class Worker:
    """One execution environment: a process, its log stream, and a lock so it runs one at a time."""

    def __init__(self, spec: FunctionSpec, code_dir: Path, endpoint_url: str) -> None:
        self.spec = spec
        self.stream = logs.LogStream(spec.account_id, spec.region, spec.log_group, spec.version)
        self._messages: queue.Queue[dict[str, Any]] = queue.Queue()
        self._init_ms: float | None = None
        self._initialized = False
        control_r, control_w = os.pipe()
        # Init Duration covers what AWS's covers: starting the runtime and importing the handler.
        self._spawned_at = time.time()
        self.process = subprocess.Popen(
            [interpreter_for(spec.runtime), "-u", str(_BOOTSTRAP)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            pass_fds=(control_w,),
            env=self._environment(code_dir, endpoint_url, control_w),
            cwd=code_dir,
            start_new_session=True,  # a handler's signals and children stay away from us
        )
        os.close(control_w)
        self._control = os.fdopen(control_r, "r", encoding="utf-8")
        threading.Thread(target=self._read_control, daemon=True).start()
        threading.Thread(target=self._read_output, daemon=True).start()

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
        }
        env.update(dict(spec.environment))
        return env

    def _read_control(self) -> None:
        for line in self._control:
            message = json.loads(line)
            if message["type"] == "log":
                self.stream.write(message["text"])
            else:
                self._messages.put(message)
        self._messages.put({"type": "exit"})

    def _read_output(self) -> None:
        # Output that bypasses sys.stdout (C extensions, the interpreter dying) still reaches the log.
        assert self.process.stdout is not None
        for raw in self.process.stdout:
            self.stream.write(raw.decode("utf-8", "replace").rstrip("\n"))

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def invoke(self, request_id: str, payload: bytes, invoked_arn: str) -> AttemptResult:
        spec = self.spec
        cold = not self._initialized
        started = time.time()
        self.stream.write(logs.start_line(request_id, spec.version))
        deadline = started + spec.timeout_s
        request = {
            "request_id": request_id,
            "payload": payload.decode("utf-8"),
            "invoked_function_arn": invoked_arn,
            "deadline_ms": deadline * 1000,
        }
        try:
            assert self.process.stdin is not None
            self.process.stdin.write((json.dumps(request) + "\n").encode())
            self.process.stdin.flush()
        except (BrokenPipeError, OSError):
            pass  # the process is gone; the control reader reports the exit below
        outcome = self._wait_for_result(deadline)
        ended = time.time()
        duration_ms = (ended - started) * 1000
        timed_out = outcome is None
        init_ms = self._init_ms if cold else None
        if timed_out:
            self.kill()
            self.stream.write(logs.timeout_line(request_id, spec.timeout_s))
            error = {
                "errorType": "Sandbox.Timedout",
                "errorMessage": f"RequestId: {request_id} Error: Task timed out after "
                f"{spec.timeout_s:.2f} seconds",
            }
            outcome = {"ok": False, "error": error, "max_memory_mb": 0, "compact": True}
        elif outcome["type"] == "exit":
            error = self._exit_error(request_id)
            outcome = {"ok": False, "error": error, "max_memory_mb": 0}
            self.kill()
        self.stream.write(logs.end_line(request_id))
        self.stream.write(
            logs.report_line(
                request_id,
                duration_ms,
                spec.memory_mb,
                int(outcome.get("max_memory_mb", 0)),
                init_ms,
                timed_out,
            )
        )
        if outcome["ok"]:
            body = outcome["payload"].encode()
        elif outcome.get("compact"):
            body = json.dumps(outcome["error"], separators=(",", ":")).encode()
        else:
            body = json.dumps(outcome["error"]).encode()
        return AttemptResult(
            request_id=request_id,
            ok=outcome["ok"],
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

    def _wait_for_result(self, deadline: float) -> dict[str, Any] | None:
        """The next ``result`` or ``exit`` message; None when the deadline passes first."""
        while True:
            remaining = deadline - time.time()
            if remaining <= 0:
                return None
            try:
                message = self._messages.get(timeout=remaining)
            except queue.Empty:
                return None
            if message["type"] == "init":
                self._initialized = True
                self._init_ms = (time.time() - self._spawned_at) * 1000
                continue
            return message

    def _exit_error(self, request_id: str) -> dict[str, str]:
        code = self.process.wait(timeout=5)
        if code == 0:
            reason = "Runtime exited without providing a reason"
        elif code < 0:
            reason = f"Runtime exited with error: signal: {signal.Signals(-code).name.lower()}"
        else:
            reason = f"Runtime exited with error: exit status {code}"
        return {
            "errorType": "Runtime.ExitError",
            "errorMessage": f"RequestId: {request_id} Error: {reason}",
        }

    def kill(self) -> None:
        if self.alive:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.alive:
            assert self.process.stdin is not None
            self.process.stdin.close()  # bootstrap's loop ends on EOF
            try:
                self.process.wait(timeout=2)
            except subprocess.TimeoutExpired:
                self.kill()


class WorkerPool:
    """Idle workers per function generation; extracted code shared by content hash."""

    def __init__(self, endpoint_url: str, work_dir: Path | None = None) -> None:
        self.endpoint_url = endpoint_url
        self._work_dir = Path(work_dir or tempfile.mkdtemp(prefix="asyncdlq-code-"))
        self._idle: dict[str, list[Worker]] = {}
        self._generation: dict[str, str] = {}  # function ARN -> current environment key
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

    def acquire(self, spec: FunctionSpec) -> Worker:
        key = spec.environment_key
        stale: list[Worker] = []
        with self._lock:
            if self._generation.get(spec.function_arn) != key:
                # Code or configuration changed: AWS starts fresh environments for the new version.
                old = self._generation.get(spec.function_arn)
                stale = self._idle.pop(old, []) if old else []
                self._generation[spec.function_arn] = key
            idle = self._idle.setdefault(key, [])
            worker = None
            while idle and worker is None:
                candidate = idle.pop()
                worker = candidate if candidate.alive else None
        for w in stale:
            w.stop()
        return worker or Worker(spec, self._code_dir(spec), self.endpoint_url)

    def release(self, worker: Worker) -> None:
        with self._lock:
            current = self._generation.get(worker.spec.function_arn) == worker.spec.environment_key
            if worker.alive and current:
                self._idle.setdefault(worker.spec.environment_key, []).append(worker)
                return
        worker.stop()

    def shutdown(self) -> None:
        with self._lock:
            workers = [w for ws in self._idle.values() for w in ws]
            self._idle.clear()
            self._generation.clear()
        for w in workers:
            w.stop()
        shutil.rmtree(self._work_dir, ignore_errors=True)
