"""Read a function's CloudWatch Logs as attempts: what each attempt of one request logged.

In Text format only the platform lines carry the request id (``START``/``END``/``REPORT``,
docs/aws-behaviour.md, CloudWatch Logs); printed lines and the ``[ERROR]`` event don't. An execution
environment runs one request at a time and writes one stream, so an attempt is everything between
its START and its REPORT in that stream.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Callable

from botocore.exceptions import ClientError

# Empty pages in a row after which get_log_events is taken to be at the end of the stream, for
# endpoints that don't repeat the caller's token there as AWS does.
_EMPTY_PAGES_AT_END = 3


@dataclass(frozen=True)
class LogEvent:
    stream: str
    message: str
    timestamp: int  # epoch milliseconds
    event_id: str = field(default="", compare=False, repr=False)


@dataclass(frozen=True)
class AttemptLog:
    """One attempt of a request: its lines from START to REPORT (and the platform's error event
    after REPORT, when there is one)."""

    number: int
    stream: str
    start_ms: int
    end_ms: int | None  # REPORT's (else END's) timestamp; None while the attempt runs
    lines: tuple[str, ...]
    error: str | None  # "Exception: Something went wrong", "Sandbox.Timedout: ...", ...
    report: dict[str, str] = field(default_factory=dict, hash=False)

    @property
    def ended(self) -> bool:
        return self.end_ms is not None

    @property
    def failed(self) -> bool:
        return self.ended and (
            self.error is not None or self.report.get("Status") in ("timeout", "error")
        )

    @property
    def output(self) -> list[str]:
        """What the function itself logged: the lines between START and END."""
        inner = list(self.lines[1:])
        for index, line in enumerate(inner):
            if line.startswith("END RequestId: "):
                return inner[:index]
        return inner


def log_group_of(lambda_client: Any, function_name: str) -> str:
    """The function's log group: LoggingConfig.LogGroup, else ``/aws/lambda/<name>``."""
    config = lambda_client.get_function_configuration(FunctionName=function_name)
    group = (config.get("LoggingConfig") or {}).get("LogGroup")
    return group or f"/aws/lambda/{config.get('FunctionName') or function_name}"


def _missing(exc: ClientError) -> bool:
    return exc.response.get("Error", {}).get("Code") == "ResourceNotFoundException"


def _event(raw: dict[str, Any], stream: str | None = None) -> LogEvent:
    return LogEvent(
        stream if stream is not None else raw.get("logStreamName", ""),
        raw.get("message", "").rstrip("\n"),
        int(raw["timestamp"]),
        str(raw.get("eventId", "")),
    )


def parse_report(line: str) -> dict[str, str]:
    """``REPORT RequestId: x\\tDuration: 2.19 ms\\tStatus: timeout\\t`` -> {"Duration": ...}."""
    fields: dict[str, str] = {}
    for part in line.split("\t")[1:]:
        key, sep, value = part.partition(": ")
        if sep:
            fields[key.strip()] = value.strip()
    return fields


def _error_of(lines: list[str], report: dict[str, str]) -> str | None:
    # An unhandled exception: "[ERROR] Exception: msg\nTraceback ...". logging.error() writes
    # "[ERROR]\t<time>\t<id>\t..." (a tab), which is the function's own line, not its failure.
    for line in reversed(lines):
        if line.startswith("[ERROR] "):
            return line.splitlines()[0][len("[ERROR] ") :]
    if report.get("Status") == "timeout":
        timed_out = next((line for line in lines if "Task timed out after" in line), None)
        if timed_out:
            return "Sandbox.Timedout: " + timed_out[timed_out.index("Task timed out") :]
        return "Sandbox.Timedout"
    return report.get("Error Type")


def _split_attempts(events: list[LogEvent], request_id: str) -> list[dict[str, Any]]:
    """The attempts of ``request_id`` in one stream's events (in stream order)."""
    start, end, report = (
        f"START RequestId: {request_id} ",
        f"END RequestId: {request_id}",
        f"REPORT RequestId: {request_id}",
    )
    found: list[dict[str, Any]] = []
    current: dict[str, Any] | None = None
    reported: dict[str, Any] | None = None  # the last closed attempt, for the line after REPORT
    for event in events:
        text = event.message
        if text.startswith(start):
            current = {"stream": event.stream, "start": event.timestamp, "lines": [text]}
            current.update(end=None, report={})
            found.append(current)
            reported = None
        elif current is not None:
            current["lines"].append(text)
            if text.startswith(end):
                current["end"] = event.timestamp
            elif text.startswith(report):
                current["end"] = event.timestamp
                current["report"] = parse_report(text)
                reported, current = current, None
        elif reported is not None and request_id in text and not text.startswith("START "):
            # The platform's "RequestId: <id> Error: Runtime exited ..." event follows REPORT.
            reported["lines"].append(text)
        else:
            reported = None
    return found


class LogReader:
    """Reads a log group through a CloudWatch Logs client (AWS or the emulator alike)."""

    def __init__(self, logs_client: Any) -> None:
        self.client = logs_client

    def events(self, log_group: str, *, start_ms: int | None = None) -> list[LogEvent]:
        """Every event in the group (oldest first); [] when the group doesn't exist yet."""
        params: dict[str, Any] = {"logGroupName": log_group}
        if start_ms is not None:
            params["startTime"] = start_ms
        found: list[LogEvent] = []
        try:
            for page in self.client.get_paginator("filter_log_events").paginate(**params):
                found.extend(_event(raw) for raw in page.get("events", []))
        except ClientError as exc:
            if _missing(exc):
                return []
            raise
        return sorted(found, key=lambda e: e.timestamp)  # stable: keeps a stream's own order

    def stream_events(
        self, log_group: str, stream: str, *, start_ms: int | None = None
    ) -> list[LogEvent]:
        """One stream's events in the order they were written (same-millisecond lines too)."""
        params: dict[str, Any] = {
            "logGroupName": log_group,
            "logStreamName": stream,
            "startFromHead": True,
        }
        if start_ms is not None:
            params["startTime"] = start_ms
        found: list[LogEvent] = []
        token, empty = None, 0
        while empty < _EMPTY_PAGES_AT_END:
            page = self.client.get_log_events(**params, **({"nextToken": token} if token else {}))
            events = page.get("events", [])
            found.extend(_event(raw, stream) for raw in events)
            empty = 0 if events else empty + 1
            next_token = page.get("nextForwardToken")
            if not next_token or next_token == token:  # AWS repeats the token at the end
                break
            token = next_token
        return found

    def attempts(
        self, log_group: str, request_id: str, *, start_ms: int | None = None
    ) -> list[AttemptLog]:
        """The request's attempts, in the order they started; [] if nothing was logged yet."""
        streams = sorted(
            {e.stream for e in self.events(log_group, start_ms=start_ms) if request_id in e.message}
        )
        raw: list[dict[str, Any]] = []
        try:
            for stream in streams:
                events = self.stream_events(log_group, stream, start_ms=start_ms)
                raw.extend(_split_attempts(events, request_id))
        except ClientError as exc:
            if _missing(exc):  # deleted between the two calls
                return []
            raise
        raw.sort(key=lambda a: a["start"])
        return [
            AttemptLog(
                number=number,
                stream=a["stream"],
                start_ms=a["start"],
                end_ms=a["end"],
                lines=tuple(a["lines"]),
                error=_error_of(a["lines"], a["report"]) if a["end"] is not None else None,
                report=a["report"],
            )
            for number, a in enumerate(raw, 1)
        ]

    def lines(self, log_group: str, request_id: str, *, start_ms: int | None = None) -> list[str]:
        """Every attempt's lines, START to REPORT, one attempt after the other."""
        return [
            line
            for attempt in self.attempts(log_group, request_id, start_ms=start_ms)
            for line in attempt.lines
        ]

    def tail(
        self,
        log_group: str,
        since_ms: int,
        follow: bool = False,
        *,
        poll_s: float = 1.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> Iterator[LogEvent]:
        """Events from ``since_ms`` on, oldest first; with ``follow``, keep polling for new ones
        (a group that doesn't exist yet is waited for)."""
        cursor = since_ms
        seen: dict[Any, int] = {}  # event key -> timestamp, for events at or after the cursor
        while True:
            for event in self.events(log_group, start_ms=cursor):
                key = event.event_id or (event.stream, event.timestamp, event.message)
                if key in seen:
                    continue
                seen[key] = event.timestamp
                yield event
            if seen:
                # Re-read from the newest millisecond seen: events may still arrive within it.
                cursor = max(cursor, max(seen.values()))
                seen = {k: ts for k, ts in seen.items() if ts >= cursor}
            if not follow:
                return
            sleep(poll_s)
