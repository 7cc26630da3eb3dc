"""Runs inside an execution environment (a child process), like AWS's Python runtime client.

Standard library only and Python 3.9-compatible: it is started with the interpreter that matches
the function's runtime, which does not have this project installed.

Protocol: the parent writes a setup message, then one JSON request per line, on the private pipe
named by ASYNCDLQ_REQUEST_FD (fd 0 is /dev/null); this process answers on ASYNCDLQ_CONTROL_FD with
JSON lines: ``log`` (lines the function printed), ``init`` (once, after the handler module is
imported, with ``error`` if that failed) and ``result`` (its ``size`` bytes of response payload
follow the line). The parent enforces every budget and limit: nothing here polices the handler.

What AWS does is taken from awslambdaric (github.com/aws/aws-lambda-python-runtime-interface-client,
awslambdaric/bootstrap.py, lambda_runtime_marshaller.py, lambda_runtime_exception.py,
lambda_literals.py); each rule below names the function it mirrors.

Start-up cost matters (every cold start pays it), so only ``os``, ``sys`` and ``json`` are imported
up front; ``logging`` is configured when the handler first imports it, ``traceback`` on the first
error.
"""

import json
import os
import sys

from bootstrap_context import _UNHANDLED_WARNING, LambdaContext, _max_memory_mb, _utc_stamp


def _die_with_parent() -> None:
    """SIGKILL this process when the emulator dies (PR_SET_PDEATHSIG), so a looping handler
    never outlives it; if the emulator is already gone, stop now."""
    try:
        import ctypes

        ctypes.CDLL(None).prctl(1, 9, 0, 0, 0)
    except (OSError, AttributeError):
        pass
    if str(os.getppid()) != os.environ.get("ASYNCDLQ_PARENT_PID"):
        os._exit(0)


def _read_exactly(fd: int, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = os.read(fd, size - len(data))
        if not chunk:
            os._exit(0)  # the emulator stopped before this spare was used
        data += chunk
    return data


def _await_function() -> dict:
    """A pre-started spare waits here for the function it will run: ``<length>\\n`` then a
    JSON object {"env", "cwd", "sdk_path", "max_event_bytes"}, read unbuffered so the requests
    that follow stay in the pipe for the request loop."""
    header = b""
    while not header.endswith(b"\n"):
        header += _read_exactly(_REQUEST_FD, 1)
    setup = json.loads(_read_exactly(_REQUEST_FD, int(header)))
    os.environ.clear()
    os.environ.update(setup["env"])
    os.chdir(setup["cwd"])
    return setup


_die_with_parent()
_REQUEST_FD = int(os.environ["ASYNCDLQ_REQUEST_FD"])
_CONTROL_FD = int(os.environ["ASYNCDLQ_CONTROL_FD"])
_SETUP = _await_function()
for _fd in (_REQUEST_FD, _CONTROL_FD):
    os.set_inheritable(_fd, False)  # the handler's subprocesses must not reach the channels
# The size of one CloudWatch event (logs.MAX_EVENT_BYTES): longer lines are cut here only so
# this process never holds more than one event of a line; the parent cuts to bytes.
_MAX_EVENT_BYTES = int(_SETUP["max_event_bytes"])
# The parent's per-invocation line budget, known here only to spare the pipe lines the parent
# would drop; the parent counts and enforces it whatever this process does.
_LINES_WANTED = int(_SETUP["max_log_events"])
_TASK_ROOT = os.environ["LAMBDA_TASK_ROOT"]
# AWS shows handler files under /var/task and the runtime's standard library under /var/lang.
_AWS_TASK_ROOT = "/var/task"
_PY = "python{}.{}".format(*sys.version_info[:2])
_STDLIB = os.path.join(sys.base_prefix, "lib", _PY)
_AWS_STDLIB = "/var/lang/lib/" + _PY


def _write_control(data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(_CONTROL_FD, view) :]


def _send(message: dict, payload: bytes = b"") -> None:
    # ensure_ascii: any str, lone surrogates included, becomes ASCII JSON that cannot fail here.
    _write_control(json.dumps(message).encode("ascii") + b"\n" + payload)


class _Sent:
    lines = 0


def _send_lines(lines: list) -> None:
    kept, size = [], 0
    if _Sent.lines >= _LINES_WANTED:
        return
    _Sent.lines += len(lines)
    for line in lines:
        line = line[:_MAX_EVENT_BYTES]  # characters; the parent trims to bytes
        kept.append(line)
        size += len(line)
        if size >= _MAX_EVENT_BYTES:  # keep each control message small whatever write() held
            _send({"type": "log", "lines": kept})
            kept, size = [], 0
    if kept:
        _send({"type": "log", "lines": kept})


class _LogStream:
    """Replaces sys.stdout/stderr: every complete line becomes one CloudWatch log event.

    Lines are sent at once (AWS's runtime wraps stdout in ``Unbuffered``), so what a function
    printed before it crashed is still in the log. A line longer than a log event keeps its
    first ``_MAX_EVENT_BYTES`` characters and the rest is discarded as it arrives.
    """

    encoding = "utf-8"
    errors = "strict"

    def __init__(self, fileno: int) -> None:
        self._pending = ""
        self._overflow = False
        self._fileno = fileno

    def write(self, text: str) -> int:
        if not isinstance(text, str):
            raise TypeError(f"write() argument must be str, not {type(text).__name__}")
        if "\n" not in text:
            if not self._overflow:
                room = _MAX_EVENT_BYTES - len(self._pending)
                self._pending += text[:room]  # never copies more than one event's worth
                self._overflow = len(text) > room
            return len(text)
        head, *middle, tail = text.split("\n")
        first = self._pending if self._overflow else (self._pending + head)
        self._pending, self._overflow = "", False
        _send_lines([first, *middle])
        self.write(tail)
        return len(text)

    def writelines(self, lines) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        if self._pending:
            _send_lines([self._pending])
            self._pending, self._overflow = "", False

    def close(self) -> None:  # a handler closing sys.stdout must not close the log for others
        self.flush()

    @property
    def closed(self) -> bool:
        return False

    def fileno(self) -> int:
        return self._fileno

    def isatty(self) -> bool:
        return False

    def readable(self) -> bool:
        return False

    def writable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False


class _State:
    request_id = ""


class _LoggingHook:
    """Configures ``logging`` the first time anything imports it, as the runtime does at start.

    awslambdaric ``_setup_logging``: root handler, Text format
    ``[%(levelname)s]\\t%(asctime)s.%(msecs)03dZ\\t%(aws_request_id)s\\t%(message)s``, UTC.
    Importing logging eagerly would add ~10 ms to every cold start.
    """

    def find_spec(self, name, path=None, target=None):
        if name != "logging":
            return None
        sys.meta_path.remove(self)
        import importlib.util

        spec = importlib.util.find_spec(name)
        if spec is None or spec.loader is None:
            return spec
        loader = spec.loader
        original = loader.exec_module

        def exec_module(module) -> None:
            original(module)
            _configure_logging(module)

        loader.exec_module = exec_module  # type: ignore[method-assign]
        return spec


def _configure_logging(logging) -> None:
    import time

    class LambdaLoggerHandler(logging.Handler):
        def emit(self, record) -> None:
            try:
                for line in [self.format(record)]:
                    _send_lines([line])
            except Exception:
                self.handleError(record)

    class LambdaLoggerFilter(logging.Filter):
        def filter(self, record) -> bool:
            record.aws_request_id = _State.request_id
            return True

    logging.Formatter.converter = time.gmtime
    handler = LambdaLoggerHandler()
    handler.setFormatter(
        logging.Formatter(
            "[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s",
            "%Y-%m-%dT%H:%M:%S",
        )
    )
    handler.addFilter(LambdaLoggerFilter())
    logging.getLogger().addHandler(handler)


class _Fault(Exception):
    """awslambdaric ``FaultException``: an error the runtime reports with its own type."""

    def __init__(self, error_type: str, message: str, trace=None) -> None:
        super().__init__(message)
        self.error_type, self.message, self.trace = error_type, message, trace


def _aws_path(filename: str) -> str:
    if filename.startswith(_TASK_ROOT + os.sep):
        return _AWS_TASK_ROOT + "/" + filename[len(_TASK_ROOT) + 1 :]
    if filename.startswith(_STDLIB + os.sep):
        return _AWS_STDLIB + filename[len(_STDLIB) :]
    return filename


def _stack_trace(tb) -> list:
    """awslambdaric ``handle_event_request``/``build_fault_result``: drop the runtime's leading
    frames (those in a file whose path contains "/bootstrap.py"), keep every frame after."""
    import traceback

    frames = traceback.extract_tb(tb)
    for i, frame in enumerate(frames):
        if "/bootstrap.py" not in frame.filename:
            frames = frames[i:]
            break
    for frame in frames:
        frame.filename = _aws_path(frame.filename)
    return traceback.format_list(frames)


def _make_error(message, error_type, stack_trace, request_id=None) -> dict:
    # awslambdaric ``make_error``: these keys in this order; None becomes "" or [].
    return {
        "errorMessage": message if message else "",
        "errorType": error_type if error_type else "",
        "requestId": request_id if request_id is not None else "",
        "stackTrace": stack_trace if stack_trace else [],
    }


def _error_log(error: dict) -> str:
    """awslambdaric ``log_error`` (Text format, telemetry sink): one event, lines joined by
    "\\n", traceback indentation as no-break spaces."""
    head = "[ERROR]"
    if error["errorType"]:
        head += " " + error["errorType"]
    if error["errorMessage"]:
        head += (":" if error["errorType"] else "") + " " + error["errorMessage"]
    lines = [head, "Traceback (most recent call last):"]
    for element in error["stackTrace"]:
        if element == "":
            lines.append("")
            continue
        for line in element.splitlines():
            stripped = line.lstrip(" ")
            lines.append("\u00a0" * (len(line) - len(stripped)) + stripped)
    return "\n".join(lines)


def _log_error(error: dict) -> None:
    sys.stdout.flush()
    _send({"type": "log", "lines": [_error_log(error)[:_MAX_EVENT_BYTES]]})


def _get_handler(handler: str):
    """awslambdaric ``_get_handler``: its fault types and messages, in its order."""
    try:
        modname, fname = handler.rsplit(".", 1)
    except ValueError as e:
        raise _Fault("Runtime.MalformedHandlerName", f"Bad handler '{handler}': {e}") from None
    try:
        if modname.split(".")[0] in sys.builtin_module_names:
            raise _Fault(
                "Runtime.BuiltInModuleConflict",
                f"Cannot use built-in module {modname} as a handler module",
            ) from None
        import importlib

        module = importlib.import_module(modname.replace("/", "."))
    except ImportError as e:
        raise _Fault(
            "Runtime.ImportModuleError", f"Unable to import module '{modname}': {e}"
        ) from None
    except SyntaxError as e:
        trace = [
            '  File "{}" Line {}\n    {}'.format(_aws_path(e.filename or ""), e.lineno, e.text)
        ]
        raise _Fault(
            "Runtime.UserCodeSyntaxError", f"Syntax error in module '{modname}': {e}", trace
        ) from None
    try:
        return getattr(module, fname)
    except AttributeError:
        raise _Fault(
            "Runtime.HandlerNotFound", f"Handler '{fname}' missing on module '{modname}'"
        ) from None


# awslambdaric's Encoder: ensure_ascii=False on these runtimes only (lambda_runtime_marshaller.py
# and its tests, envs_lambda_marshaller_ensure_ascii_false).
_UNESCAPED_RUNTIMES = ("AWS_Lambda_python3.12", "AWS_Lambda_python3.13")


def _marshal(result) -> bytes:
    """awslambdaric ``LambdaMarshaller.marshal_response``: bytes pass through untouched; anything
    else is JSON (simplejson there; the stdlib names unserializable types the same way), sent as
    UTF-8. A lone surrogate cannot be UTF-8: it comes back escaped, as ``json.dumps`` writes it
    (docs/aws-behaviour.md, Execution environments and their processes)."""
    if isinstance(result, (bytes, bytearray)):
        return bytes(result)
    try:
        import decimal

        def default(obj):
            if isinstance(obj, decimal.Decimal):
                # awslambdaric writes a Decimal's own digits (RawJSON); the stdlib cannot, so
                # integral values keep theirs and the rest become floats (unconfirmed nuance).
                if obj.is_finite() and obj == obj.to_integral_value():
                    return int(obj)
                return float(obj)
            raise TypeError(f"Object of type {type(obj).__name__} is not JSON serializable")

        unescaped = os.environ.get("AWS_EXECUTION_ENV") in _UNESCAPED_RUNTIMES
        text = json.dumps(result, ensure_ascii=not unescaped, default=default)
    except Exception as e:
        raise _Fault("Runtime.MarshalError", f"Unable to marshal response: {e}") from None
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        return json.dumps(result, default=default).encode("ascii")


def _invoke(handler, request: dict) -> dict:
    request_id = request["request_id"]
    try:
        event = json.loads(request["payload"]) if request["payload"] else {}
        result = handler(event, LambdaContext(request))
        return {"ok": True, "payload": _marshal(result)}
    except _Fault as fault:
        error = _make_error(fault.message, fault.error_type, fault.trace, request_id)
    except MemoryError:
        # Lambda's cgroup kills the environment when it runs out of memory; a MemoryError here
        # means the same thing, so end as the out-of-memory kill would.
        _send({"type": "oom"})
        os.kill(os.getpid(), 9)
        raise
    except Exception as exc:
        error = _make_error(
            str(exc), type(exc).__name__, _stack_trace(exc.__traceback__), request_id
        )
    _log_error(error)
    return {"ok": False, "error": error, "payload": b""}


def main() -> None:
    _send({"type": "ready"})  # the runtime started: what fails from here is the function's
    requests = os.fdopen(_REQUEST_FD, "rb")
    sys.stdin = open(os.devnull)  # noqa: SIM115 - stays open for the process lifetime
    sys.stdout = _LogStream(1)
    sys.stderr = _LogStream(2)
    sys.meta_path.insert(0, _LoggingHook())
    sys.path.insert(0, _TASK_ROOT)
    sdk = _SETUP.get("sdk_path") or ""
    if sdk:
        sys.path.append(sdk)  # like /var/runtime on AWS: the function's own copies win

    try:
        handler = _get_handler(os.environ["_HANDLER"])
    except Exception as exc:
        # awslambdaric ``run``: LAMBDA_WARNING through logging, the [ERROR] event, post the init
        # error (requestId ""), exit 1. Lambda then retries init when the next invoke arrives.
        if isinstance(exc, _Fault):
            error = _make_error(exc.message, exc.error_type, exc.trace)
        else:
            error = _make_error(str(exc), type(exc).__name__, _stack_trace(exc.__traceback__))
        import time

        _send_lines([f"[WARNING]\t{_utc_stamp(time.time())}\t\t{_UNHANDLED_WARNING}"])
        _log_error(error)
        _send({"type": "init", "error": error})
        sys.exit(1)
    _send({"type": "init"})

    for raw in requests:
        request = json.loads(raw)
        _State.request_id = request["request_id"]
        _Sent.lines = 0
        outcome = _invoke(handler, request)
        for stream in (sys.__stdout__, sys.__stderr__, sys.stdout, sys.stderr):
            try:  # noqa: SIM105 - contextlib would cost every cold start an import
                stream.flush()
            except Exception:
                pass
        payload = outcome.pop("payload")
        outcome.update(
            type="result",
            request_id=request["request_id"],
            max_memory_mb=_max_memory_mb(),
            size=len(payload),
        )
        _send(outcome, payload)


if __name__ == "__main__":
    main()
