"""Runs inside an execution environment (a child process), like AWS's Python runtime client.

Standard library only and Python 3.9-compatible: it is started with the interpreter that matches
the function's runtime, which does not have this project installed.

Protocol: the parent writes one JSON request per line on stdin (moved to a private descriptor at
start, so a handler that reads stdin reads /dev/null); this process answers on the descriptor
named by ASYNCDLQ_CONTROL_FD with JSON lines: ``log`` (lines the function printed), ``init``
(once, after the handler module is imported, with ``error`` if that failed) and ``result``.

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


def _await_function() -> None:
    """A pre-started spare process waits here for the function it will run.

    The parent writes ``<length>\\n`` then a JSON object {"env": ..., "cwd": ...}; reads are
    unbuffered so the requests that follow stay in the pipe for the request loop.
    """
    if os.environ.get("ASYNCDLQ_SPARE") != "1":
        return
    header = b""
    while not header.endswith(b"\n"):
        byte = os.read(0, 1)
        if not byte:
            sys.exit(0)  # the emulator stopped before this spare was used
        header += byte
    size, body = int(header), b""
    while len(body) < size:
        chunk = os.read(0, size - len(body))
        if not chunk:
            sys.exit(0)
        body += chunk
    setup = json.loads(body)
    os.environ.clear()
    os.environ.update(setup["env"])
    os.chdir(setup["cwd"])


_await_function()
_CONTROL_FD = int(os.environ.pop("ASYNCDLQ_CONTROL_FD"))
os.set_inheritable(_CONTROL_FD, False)  # the handler's subprocesses must not reach the channel
# Per-invocation log budget (events, bytes) and the size of one CloudWatch event; see logs.py.
_MAX_EVENTS, _MAX_BYTES, _MAX_EVENT_BYTES = (
    int(n) for n in os.environ.pop("ASYNCDLQ_LOG_LIMITS", "10000,8388608,262118").split(",")
)
_TASK_ROOT = os.environ["LAMBDA_TASK_ROOT"]
# AWS shows handler files under /var/task and the runtime's standard library under /var/lang.
_AWS_TASK_ROOT = "/var/task"
_PY = "python{}.{}".format(*sys.version_info[:2])
_STDLIB = os.path.join(sys.base_prefix, "lib", _PY)
_AWS_STDLIB = "/var/lang/lib/" + _PY

# Lambda's Text-format LAMBDA_WARNING before an init error (awslambdaric lambda_literals.py).
_UNHANDLED_WARNING = (
    "LAMBDA_WARNING: Unhandled exception. The most likely cause is an issue in the function code. "
    "However, in rare cases, a Lambda runtime update can cause unexpected function behavior. For "
    "functions using managed runtimes, runtime updates can be triggered by a function change, or "
    "can be applied automatically. To determine if the runtime has been updated, check the "
    "runtime version in the INIT_START log entry. If this error correlates with a change in the "
    "runtime version, you may be able to mitigate this error by temporarily rolling back to the "
    "previous runtime version. For more information, see "
    "https://docs.aws.amazon.com/lambda/latest/dg/runtimes-update.html"
)


class _Budget:
    """How much one invocation may still log; the rest is counted and dropped, never buffered."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.events, self.bytes, self.dropped = _MAX_EVENTS, _MAX_BYTES, 0


_BUDGET = _Budget()


def _write_control(data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(_CONTROL_FD, view) :]


def _send(message: dict) -> None:
    _write_control(json.dumps(message).encode("utf-8", "surrogateescape") + b"\n")


def _send_lines(lines: list) -> None:
    kept, size = [], 0
    for line in lines:
        if len(line) > _MAX_EVENT_BYTES:
            line = line[:_MAX_EVENT_BYTES]  # characters; logs.py trims to bytes
        if _BUDGET.events <= 0 or _BUDGET.bytes < len(line):
            _BUDGET.dropped += 1
            continue
        _BUDGET.events -= 1
        _BUDGET.bytes -= len(line)
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


def _utc_stamp(created: float) -> str:
    import time

    millis = int(created * 1000) % 1000
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(created)) + f".{millis:03d}Z"


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
        import time

        return max(0, int(self._deadline_ms - time.time() * 1000))


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


def _max_memory_mb() -> int:
    # VmHWM starts afresh at exec; ru_maxrss would still count the emulator we were forked from.
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) // 1024 + 1
    except OSError:
        pass
    import resource

    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024) + 1


def _marshal(result) -> tuple:
    """awslambdaric ``LambdaMarshaller.marshal_response``: bytes pass through untouched; anything
    else is JSON (simplejson there; the stdlib names unserializable types the same way), with
    ``ensure_ascii=False`` on python3.12 only (its ``Encoder``)."""
    if isinstance(result, (bytes, bytearray)):
        import base64

        return None, base64.b64encode(bytes(result)).decode("ascii")
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

        ascii_only = os.environ.get("AWS_EXECUTION_ENV") != "AWS_Lambda_python3.12"
        return json.dumps(result, ensure_ascii=ascii_only, default=default), None
    except Exception as e:
        raise _Fault("Runtime.MarshalError", f"Unable to marshal response: {e}") from None


def _invoke(handler, request: dict) -> dict:
    request_id = request["request_id"]
    try:
        event = json.loads(request["payload"]) if request["payload"] else {}
        result = handler(event, LambdaContext(request))
        payload, payload_b64 = _marshal(result)
        return {"ok": True, "payload": payload, "payload_b64": payload_b64}
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
    return {"ok": False, "error": error}


def main() -> None:
    # The request channel moves off fd 0: a handler reading stdin gets EOF, not our requests.
    requests = os.fdopen(os.dup(0), "rb")
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    sys.stdin = open(os.devnull)  # noqa: SIM115 - stays open for the process lifetime
    sys.stdout = _LogStream(1)
    sys.stderr = _LogStream(2)
    sys.meta_path.insert(0, _LoggingHook())
    sys.path.insert(0, _TASK_ROOT)
    sdk = os.environ.pop("ASYNCDLQ_SDK_PATH", "")
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
        _BUDGET.reset()
        outcome = _invoke(handler, request)
        for stream in (sys.__stdout__, sys.__stderr__, sys.stdout, sys.stderr):
            try:  # noqa: SIM105 - contextlib would cost every cold start an import
                stream.flush()
            except Exception:
                pass
        outcome.update(
            type="result",
            request_id=request["request_id"],
            max_memory_mb=_max_memory_mb(),
            dropped_lines=_BUDGET.dropped,
        )
        _send(outcome)


if __name__ == "__main__":
    main()
