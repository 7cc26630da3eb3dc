"""Runs inside an execution environment (a child process), like AWS's Python runtime client.

Standard library only and Python 3.9-compatible: it is started with the interpreter that matches
the function's runtime, which does not have this project installed.

Protocol: the parent writes one JSON request per line on stdin; this process answers on the file
descriptor named by ASYNCDLQ_CONTROL_FD with JSON lines: ``log`` (a line the function printed),
``init`` (once, after the handler module is imported) and ``result``.
"""

from __future__ import annotations

import importlib
import json
import logging
import os
import resource
import sys
import time
import traceback

_CONTROL = os.fdopen(int(os.environ["ASYNCDLQ_CONTROL_FD"]), "w", buffering=1, encoding="utf-8")
_TASK_ROOT = os.environ["LAMBDA_TASK_ROOT"]
# AWS shows handler files under /var/task; the code here lives in a temporary folder instead.
_AWS_TASK_ROOT = "/var/task"


def _send(message: dict) -> None:
    _CONTROL.write(json.dumps(message) + "\n")


class _LogStream:
    """Replaces sys.stdout/stderr: every complete line becomes one CloudWatch log event."""

    def __init__(self) -> None:
        self._pending = ""

    def write(self, text: str) -> int:
        self._pending += text
        *lines, self._pending = self._pending.split("\n")
        for line in lines:
            _send({"type": "log", "text": line})
        return len(text)

    def flush(self) -> None:
        if self._pending:
            _send({"type": "log", "text": self._pending})
            self._pending = ""

    def isatty(self) -> bool:
        return False


class _LambdaLogHandler(logging.Handler):
    """The runtime's Text log format: ``[LEVEL]\\t<utc time>\\t<request id>\\t<message>``."""

    request_id = ""

    def emit(self, record: logging.LogRecord) -> None:
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
        stamp += f".{int(record.msecs):03d}Z"
        message = self.format(record)
        _send(
            {"type": "log", "text": f"[{record.levelname}]\t{stamp}\t{self.request_id}\t{message}"}
        )


class LambdaContext:
    """The attributes and method AWS's Python runtime gives handlers as ``context``."""

    def __init__(self, request: dict) -> None:
        self.aws_request_id = request["request_id"]
        self.invoked_function_arn = request["invoked_function_arn"]
        self.function_name = os.environ["AWS_LAMBDA_FUNCTION_NAME"]
        self.function_version = os.environ["AWS_LAMBDA_FUNCTION_VERSION"]
        self.memory_limit_in_mb = os.environ["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"]
        self.log_group_name = os.environ["AWS_LAMBDA_LOG_GROUP_NAME"]
        self.log_stream_name = os.environ["AWS_LAMBDA_LOG_STREAM_NAME"]
        self.identity = None
        self.client_context = None
        self._deadline_ms = request["deadline_ms"]

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int(self._deadline_ms - time.time() * 1000))


def _stack_trace(tb) -> list:
    # The runtime's own frames are not the user's business; AWS strips them too.
    frames = [f for f in traceback.extract_tb(tb) if f.filename != __file__]
    lines = traceback.format_list(frames)
    return [line.replace(_TASK_ROOT + os.sep, _AWS_TASK_ROOT + "/") for line in lines]


def _error(exc: BaseException, request_id: str) -> dict:
    return {
        "errorMessage": str(exc),
        "errorType": type(exc).__name__,
        "requestId": request_id,
        "stackTrace": _stack_trace(exc.__traceback__),
    }


def _error_log(error: dict) -> str:
    # Mirrors the runtime's Text-format error event: indentation as no-break spaces, one event.
    head = "[ERROR] " + error["errorType"]
    if error["errorMessage"]:
        head += ": " + error["errorMessage"]
    lines = [head, "Traceback (most recent call last):"]
    for element in error["stackTrace"]:
        for line in element.splitlines():
            stripped = line.lstrip(" ")
            lines.append("\u00a0" * (len(line) - len(stripped)) + stripped)
    return "\n".join(lines)


def _max_memory_mb() -> int:
    # VmHWM starts afresh at exec; ru_maxrss would still count the emulator we were forked from.
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) // 1024 + 1
    except OSError:
        pass
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024) + 1


def main() -> None:
    sys.stdout = _LogStream()
    sys.stderr = _LogStream()
    log_handler = _LambdaLogHandler()
    root = logging.getLogger()
    root.addHandler(log_handler)
    root.setLevel(logging.WARNING)

    module_name, _, function_name = os.environ["_HANDLER"].rpartition(".")
    sys.path.insert(0, _TASK_ROOT)
    handler = None
    init_error = None
    try:
        handler = getattr(importlib.import_module(module_name), function_name)
    except Exception as exc:  # reported on every invoke, as AWS does for a failed init
        init_error = _error(exc, "")
        if isinstance(exc, ImportError):
            init_error["errorType"] = "Runtime.ImportModuleError"
            init_error["errorMessage"] = f"Unable to import module '{module_name}': {exc}"
            init_error["stackTrace"] = []
        elif isinstance(exc, AttributeError):
            init_error["errorType"] = "Runtime.HandlerNotFound"
            init_error["errorMessage"] = (
                f"Handler '{function_name}' missing on module '{module_name}'"
            )
            init_error["stackTrace"] = []
    _send({"type": "init"})

    for raw in sys.stdin:
        request = json.loads(raw)
        request_id = request["request_id"]
        log_handler.request_id = request_id
        started = time.monotonic()
        if init_error is not None:
            error = dict(init_error)
            sys.stdout.flush()
            _send({"type": "log", "text": _error_log(error)})
            _send(
                {
                    "type": "result",
                    "ok": False,
                    "error": error,
                    "max_memory_mb": _max_memory_mb(),
                    "duration_ms": (time.monotonic() - started) * 1000,
                }
            )
            continue
        try:
            event = json.loads(request["payload"]) if request["payload"] else {}
            result = handler(event, LambdaContext(request))
            try:
                payload = json.dumps(result)
            except (TypeError, ValueError) as exc:
                raise _MarshalError(f"Unable to marshal response: {exc}") from None
            outcome = {"ok": True, "payload": payload}
        except _MarshalError as exc:
            error = {
                "errorMessage": str(exc),
                "errorType": "Runtime.MarshalError",
                "requestId": request_id,
                "stackTrace": [],
            }
            outcome = {"ok": False, "error": error}
        except Exception as exc:
            error = _error(exc, request_id)
            sys.stdout.flush()
            _send({"type": "log", "text": _error_log(error)})
            outcome = {"ok": False, "error": error}
        sys.stdout.flush()
        sys.stderr.flush()
        outcome.update(
            type="result",
            max_memory_mb=_max_memory_mb(),
            duration_ms=(time.monotonic() - started) * 1000,
        )
        _send(outcome)


class _MarshalError(Exception):
    pass


if __name__ == "__main__":
    main()
