"""Turning what the runtime answered (or did not) into Lambda's result, log lines and errors."""

from __future__ import annotations

import json
import logging
import signal
import time
from typing import Any, Protocol

from .. import function_logs
from .channel import LogBudget
from .exit_reasons import exit_reason
from .spec import AttemptResult, FunctionSpec

__all__ = ["FinishingWorker", "finish_invoke"]

log = logging.getLogger(__name__)


class FinishingWorker(Protocol):
    """What an invocation's end needs of its execution environment (environment.Worker); named
    here so this module does not import the one that calls it."""

    spec: FunctionSpec
    stream: function_logs.LogStream
    budget: LogBudget
    response_limit: int
    oom: bool
    peak_mb: float

    @property
    def init_ms(self) -> float | None: ...

    @property
    def initialized(self) -> bool: ...

    def kill(self, wait: bool = True) -> None: ...

    def reap(self) -> int: ...


def _platform_error(error_type: str, message: str, max_mb: int) -> dict[str, Any]:
    # Lambda's own error payloads: compact separators, errorType first, no stackTrace.
    error = {"errorType": error_type, "errorMessage": message}
    return {"ok": False, "error": error, "max_memory_mb": max_mb, "compact": True}


def finish_invoke(
    worker: FinishingWorker,
    request_id: str,
    outcome: dict[str, Any] | None,
    started: float,
    cold: bool,
) -> AttemptResult:
    spec, stream = worker.spec, worker.stream
    ended = time.time()
    duration_ms = (ended - started) * 1000
    timed_out = outcome is None
    init_ms = worker.init_ms if cold else None
    platform_error: str | None = None  # the REPORT's Error Type for platform errors
    if outcome is None:
        worker.kill()
        stream.write(function_logs.timeout_line(request_id, spec.timeout_s))
        outcome = _platform_error(
            "Sandbox.Timedout",
            f"RequestId: {request_id} Error: Task timed out after {spec.timeout_s:.2f} seconds",
            0,
        )
    elif outcome["type"] == "init":
        # An init error reaches the invoke that triggered the init, with requestId ""
        # (docs/aws-behaviour.md, Error payloads); the runtime exits, so the next invoke initializes
        # again (awslambdaric).
        error = outcome["error"]
        platform_error = error.get("errorType") or None
        outcome = {"ok": False, "error": error, "max_memory_mb": int(worker.peak_mb) + 1}
        init_ms = None
        worker.kill()
    elif outcome["type"] == "exit":
        code = worker.reap()
        if worker.oom:
            # adobe/helix-html2md-service#1001 (AWS, 2026): {"errorType":"Runtime.OutOfMemory",
            # "errorMessage":"RequestId: <id> Error: Runtime exited with error: signal: killed"}
            error_type, reason = "Runtime.OutOfMemory", exit_reason(-signal.SIGKILL)
            max_mb = spec.memory_mb
        else:
            error_type, reason = "Runtime.ExitError", exit_reason(code)
            max_mb = int(worker.peak_mb) + 1
        outcome = _platform_error(error_type, f"RequestId: {request_id} Error: {reason}", max_mb)
        platform_error = error_type
        if not worker.initialized:
            init_ms = None
    elif outcome.get("oversize") is not None:
        # The response is refused, the environment lives on (docs/aws-behaviour.md, Limits:
        # payloads, responses, environment variables, code).
        outcome = {
            "ok": False,
            "error": {
                "errorMessage": "Response payload size exceeded maximum allowed payload size "
                f"({worker.response_limit} bytes).",
                "errorType": "Function.ResponseSizeTooLarge",
            },
            "max_memory_mb": outcome.get("max_memory_mb", 0),
        }
    stream.write(function_logs.end_line(request_id))
    stream.write(
        function_logs.report_line(
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
        stream.write(f"{outcome['error']['errorMessage']}\n{platform_error}")
    if worker.budget.dropped:
        log.warning(
            "%s %s: dropped %d log line(s) over the emulator's per-invocation budget",
            spec.function_name,
            request_id,
            worker.budget.dropped,
        )
    if outcome["ok"]:
        body = outcome["payload"]
    elif outcome.get("compact"):
        body = json.dumps(outcome["error"], separators=(",", ":")).encode()
    else:
        body = json.dumps(outcome["error"]).encode()
    return AttemptResult(
        request_id=request_id,
        ok=bool(outcome["ok"]),
        payload=body,
        error=outcome.get("error"),
        log_stream=stream.name,
        started_at=started,
        ended_at=ended,
        duration_ms=duration_ms,
        cold_start=cold,
        init_ms=init_ms,
        max_memory_mb=int(outcome.get("max_memory_mb", 0)),
        timed_out=timed_out,
        log_tail=stream.end_capture(),
    )
