"""CloudWatch Logs as Lambda writes them: one stream per execution environment, one event a line."""

from __future__ import annotations

import logging
import math
import threading
import time
import uuid
from typing import Callable

from . import moto_glue
from .logs_visibility import LogWriter

log = logging.getLogger(__name__)


def new_stream_name(version: str) -> str:
    # AWS: YYYY/MM/DD/[$LATEST]<32 lowercase hex>, dated when the environment starts.
    return time.strftime("%Y/%m/%d/", time.gmtime()) + f"[{version}]{uuid.uuid4().hex}"


# CloudWatch Logs PutLogEvents: "Each log event can be no larger than 256 KB", counted as the
# UTF-8 message plus 26 bytes (API reference, PutLogEvents; the service's own error reads "Log event
# too large: N bytes exceeds limit of 262144"). CloudWatch raised the limit to 1 MB in 2025 (SDK
# docs of InputLogEvent.message); what Lambda does with a longer line, split or cut, is
# unconfirmed: the emulator keeps the first MAX_EVENT_BYTES bytes.
MAX_EVENT_BYTES = 262144 - 26

# LogType=Tail returns "the last 4 KB of the execution log" (docs/aws-behaviour.md, Invoke
# responses and log tails).
LOG_TAIL_BYTES = 4096


def clip(message: str, limit: int = MAX_EVENT_BYTES) -> str:
    """``message`` cut to at most ``limit`` UTF-8 bytes, on a character boundary."""
    if len(message) * 4 <= limit:  # fast path: even all 4-byte characters would fit
        return message
    data = message.encode("utf-8", "surrogateescape")
    if len(data) <= limit:
        return message
    return data[:limit].decode("utf-8", "ignore")


class LogStream:
    """One execution environment's log stream; safe to write from the worker's reader threads.

    A group (or stream) deleted while the environment is warm is created again, under the same
    stream name, by the next write, as Lambda does when the role may create log groups
    (docs/aws-behaviour.md, Async records, logs and throttles). ``may_create_group`` is that
    permission (the role's logs:CreateLogGroup), asked at each re-creation; None means it may.
    ``writer`` stamps the events and decides when moto gets them (logs_visibility.py; the aws
    profile delays them and skews the clock); None writes at once, stamped with real time.
    """

    def __init__(
        self,
        account_id: str,
        region: str,
        group: str,
        version: str,
        may_create_group: Callable[[], bool] | None = None,
        writer: LogWriter | None = None,
    ) -> None:
        self.account_id, self.region, self.group = account_id, region, group
        self.name = new_stream_name(version)
        self._may_create_group = may_create_group
        self._writer = writer
        self._lock = threading.Lock()
        self._tail: bytearray | None = None  # what the running invocation logged, while capturing
        moto_glue.create_log_stream(account_id, region, group, self.name)

    def write(self, message: str) -> None:
        self.write_many([message])

    def write_many(self, messages: list[str]) -> None:
        """One event per message, in order; each clipped to CloudWatch's event size."""
        clipped = [clip(m) for m in messages]
        with self._lock:
            if self._writer is None:
                self._put(clipped)
            else:
                # Stamped now, readable after the writer's delay (the tail is the invoke
                # response's, not CloudWatch's: it is kept at once).
                stamp = self._writer.now_ms()
                self._writer.submit(lambda: self._put(clipped, stamp))
            if self._tail is not None:
                self._keep_tail(clipped)

    def _put(self, messages: list[str], stamp: int | None = None) -> None:
        # One moto call for the batch: about 15 us an event instead of 200.
        if not self._put_once(messages, stamp):
            self._recreate(messages, stamp)

    def _put_once(self, messages: list[str], stamp: int | None) -> bool:
        if stamp is None:
            return moto_glue.put_log_events(*self._where(), messages)
        return moto_glue.put_log_events_at(*self._where(), messages, stamp)

    def _where(self) -> tuple[str, str, str, str]:
        return self.account_id, self.region, self.group, self.name

    def _recreate(self, messages: list[str], stamp: int | None = None) -> None:
        if self._may_create_group is not None and not self._may_create_group():
            return  # the role may not create the group: these lines are lost, as on AWS
        try:
            moto_glue.create_log_stream(*self._where())
        except Exception:  # e.g. deleted and re-created by someone else meanwhile
            log.debug("log stream %s of %s not re-created", self.name, self.group, exc_info=True)
        self._put_once(messages, stamp)

    def _keep_tail(self, messages: list[str]) -> None:
        tail = self._tail
        assert tail is not None
        for message in messages:
            tail += message.encode("utf-8", "replace")
            if not message.endswith("\n"):
                tail += b"\n"  # one event a line, as the tail reads
        if len(tail) > 2 * LOG_TAIL_BYTES:  # trimmed now and then, not on every line
            del tail[:-LOG_TAIL_BYTES]

    def begin_capture(self) -> None:
        """Keep the end of what is written from now on (one invocation's log, for its tail)."""
        with self._lock:
            self._tail = bytearray()

    def end_capture(self) -> bytes:
        """The last LOG_TAIL_BYTES bytes written since ``begin_capture``; capturing stops."""
        with self._lock:
            tail, self._tail = self._tail, None
        return bytes(tail[-LOG_TAIL_BYTES:]) if tail else b""


def start_line(request_id: str, version: str) -> str:
    return f"START RequestId: {request_id} Version: {version}"


def end_line(request_id: str) -> str:
    return f"END RequestId: {request_id}"


def report_line(
    request_id: str,
    duration_ms: float,
    memory_mb: int,
    max_memory_mb: int,
    init_ms: float | None,
    timed_out: bool,
    error_type: str | None = None,
) -> str:
    """The REPORT line (docs/aws-behaviour.md, CloudWatch Logs). A platform error (the runtime
    exited, ran out of memory or failed its init) adds ``Status: error`` and ``Error Type: <type>``:
    this is what Lambda's telemetry reports as status "error" with an errorType, rendered by the AWS
    RIE fork of LocalStack (lambda-runtime-init PR #103) and quoted from AWS as "Error Type:
    Runtime.OutOfMemory" (nasa-gcn/gcn.nasa.gov PR #3628); the field order is unconfirmed."""
    line = (
        f"REPORT RequestId: {request_id}\tDuration: {duration_ms:.2f} ms"
        f"\tBilled Duration: {max(1, math.ceil(duration_ms))} ms"
        f"\tMemory Size: {memory_mb} MB\tMax Memory Used: {max_memory_mb} MB"
    )
    if init_ms is not None:
        line += f"\tInit Duration: {init_ms:.2f} ms"
    if timed_out:
        line += "\tStatus: timeout"
    elif error_type:
        line += f"\tStatus: error\tError Type: {error_type}"
    return line + "\t"


def timeout_line(request_id: str, timeout_s: float) -> str:
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime())
    return f"{stamp}.{int(time.time() * 1000) % 1000:03d}Z {request_id} Task timed out after {timeout_s:.2f} seconds"
