"""Parts of the runtime bootstrap that need none of its state: the context object handlers get,
the memory figure for REPORT, the time stamps and the LAMBDA_WARNING text.

Standard library only and Python 3.9-compatible, like bootstrap.py, which imports it.
"""

import os

# Lambda's Text-format LAMBDA_WARNING before an init error only: awslambdaric 3.1.0 and later
# (lambda_literals.py; bootstrap.py ``run``); an invocation error has none, as recorded on
# python3.12 (docs/aws-behaviour.md, Async records, logs and throttles).
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


def _utc_stamp(created: float) -> str:
    import time

    millis = int(created * 1000) % 1000
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(created)) + f".{millis:03d}Z"


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
