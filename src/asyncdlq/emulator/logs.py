"""CloudWatch Logs as Lambda writes them: one stream per execution environment, one event a line."""

from __future__ import annotations

import math
import threading
import time
import uuid

from . import moto_glue


def new_stream_name(version: str) -> str:
    # AWS: YYYY/MM/DD/[$LATEST]<32 lowercase hex>, dated when the environment starts.
    return time.strftime("%Y/%m/%d/", time.gmtime()) + f"[{version}]{uuid.uuid4().hex}"


class LogStream:
    """One execution environment's log stream; safe to write from the worker's reader threads."""

    def __init__(self, account_id: str, region: str, group: str, version: str) -> None:
        self.account_id, self.region, self.group = account_id, region, group
        self.name = new_stream_name(version)
        self._lock = threading.Lock()
        moto_glue.create_log_stream(account_id, region, group, self.name)

    def write(self, message: str) -> None:
        with self._lock:
            moto_glue.put_log_event(self.account_id, self.region, self.group, self.name, message)


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
) -> str:
    line = (
        f"REPORT RequestId: {request_id}\tDuration: {duration_ms:.2f} ms"
        f"\tBilled Duration: {max(1, math.ceil(duration_ms))} ms"
        f"\tMemory Size: {memory_mb} MB\tMax Memory Used: {max_memory_mb} MB"
    )
    if init_ms is not None:
        line += f"\tInit Duration: {init_ms:.2f} ms"
    if timed_out:
        line += "\tStatus: timeout"
    return line + "\t"


def timeout_line(request_id: str, timeout_s: float) -> str:
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime())
    return f"{stamp}.{int(time.time() * 1000) % 1000:03d}Z {request_id} Task timed out after {timeout_s:.2f} seconds"
