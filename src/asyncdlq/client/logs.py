"""Read a function's CloudWatch Logs as attempts: what each attempt of one request logged.

In Text format only the platform lines carry the request id (``START``/``END``/``REPORT``,
docs/aws-behaviour.md, CloudWatch Logs); printed lines and the ``[ERROR]`` event don't. An execution
environment runs one request at a time and writes one stream, so an attempt is everything between
its START and its REPORT in that stream.

Reads are throttled on AWS (FilterLogEvents: 5 TPS per account and region; docs/aws-behaviour.md,
CloudWatch Logs read quotas): a throttled call is retried after the reader's waits (with jitter),
then ``LogsThrottled`` is raised, which waiting callers treat as "nothing new this time".
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Callable

from botocore.exceptions import ClientError

from ..aws.timing import PLAIN

# Empty pages in a row after which get_log_events is taken to be at the end of the stream, for
# endpoints that don't repeat the caller's token there as AWS does.
_EMPTY_PAGES_AT_END = 3
# The error codes botocore's standard retry mode takes for throttles
# (botocore/retries/standard.py, ThrottledRetryableChecker), and "RateExceeded", which AWS's
# CloudWatch Logs throttling article names (docs/aws-behaviour.md, CloudWatch Logs read quotas).
THROTTLE_CODES = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "RequestThrottledException",
        "TooManyRequestsException",
        "ProvisionedThroughputExceededException",
        "TransactionInProgressException",
        "RequestLimitExceeded",
        "BandwidthLimitExceeded",
        "LimitExceededException",
        "RequestThrottled",
        "SlowDown",
        "PriorRequestNotComplete",
        "EC2ThrottledException",
        "RateExceeded",
    }
)
# awslambdaric's warning before an unhandled error (docs/aws-behaviour.md, LAMBDA_WARNING line).
_LAMBDA_WARNING = "LAMBDA_WARNING: "
_ERROR = "[ERROR] "


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


def is_throttle(exc: BaseException) -> bool:
    """Whether ``exc`` is a throttled AWS call (any code botocore's retries take for one)."""
    return isinstance(exc, ClientError) and (
        exc.response.get("Error", {}).get("Code") in THROTTLE_CODES
    )


class LogsThrottled(ClientError):
    """A log read still throttled after every retry; a waiting caller just polls again later."""

    def __init__(self, last: ClientError, tries: int) -> None:
        super().__init__(last.response, last.operation_name)
        self.tries = tries

    def __str__(self) -> str:
        return f"{super().__str__()} (throttled {self.tries} times in a row; will poll again)"


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


def _error_line(event: str) -> str | None:
    """``Exception: msg`` from an unhandled error's event, else None.

    The event is "[ERROR] Exception: msg\nTraceback ...". logging.error() writes
    "[ERROR]\t<time>\t<id>\t..." (a tab), which is the function's own line, not its failure.
    awslambdaric may write its LAMBDA_WARNING first (docs/aws-behaviour.md, LAMBDA_WARNING line):
    as its own event ("[WARNING]\t<time>\t<id>\tLAMBDA_WARNING: ...", or the bare text), which
    is never the error; or, as CloudWatch was seen to merge them, in the same event, the text
    ending in "\r" and the [ERROR] line after it, which is found behind the warning.
    """
    parts = event.splitlines()
    if not parts:
        return None
    if parts[0].startswith(_ERROR):
        return parts[0][len(_ERROR) :]
    if _LAMBDA_WARNING in parts[0]:
        after = next((p for p in parts[1:] if p.startswith(_ERROR)), None)
        if after is not None:
            return after[len(_ERROR) :]
    return None


def _error_of(lines: list[str], report: dict[str, str]) -> str | None:
    for line in reversed(lines):
        found = _error_line(line)
        if found is not None:
            return found
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


def _token(token: str | None) -> dict[str, str]:
    return {"nextToken": token} if token else {}


class LogReader:
    """Reads a log group through a CloudWatch Logs client (AWS or the emulator alike).

    ``throttle_waits_s``: the waits before each retry of a throttled call (each scaled by a
    random factor in [0.5, 1], so workers throttled together spread out); after the last,
    LogsThrottled is raised. Defaults to the plain emulator's (``timing.PLAIN``).
    """

    def __init__(
        self,
        logs_client: Any,
        *,
        throttle_waits_s: Sequence[float] | None = None,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
    ) -> None:
        self.client = logs_client
        self.throttle_waits_s = tuple(
            PLAIN.throttle_waits_s if throttle_waits_s is None else throttle_waits_s
        )
        self._sleep = sleep
        self._rng = rng or random.Random()
        self.throttled = 0  # throttled answers so far (retried or not), for reports and tests

    def _call(self, operation: str, **params: Any) -> dict[str, Any]:
        """One API call, retried while it is throttled."""
        for attempt in range(len(self.throttle_waits_s) + 1):
            try:
                return getattr(self.client, operation)(**params)  # type: ignore[no-any-return]
            except ClientError as exc:
                if not is_throttle(exc):
                    raise
                self.throttled += 1
                if attempt == len(self.throttle_waits_s):
                    raise LogsThrottled(exc, attempt + 1) from exc
                self._sleep(self.throttle_waits_s[attempt] * self._rng.uniform(0.5, 1.0))
        raise AssertionError("unreachable")  # pragma: no cover

    def events(self, log_group: str, *, start_ms: int | None = None) -> list[LogEvent]:
        """Every event in the group (oldest first); [] when the group doesn't exist yet."""
        params: dict[str, Any] = {"logGroupName": log_group}
        if start_ms is not None:
            params["startTime"] = start_ms
        found: list[LogEvent] = []
        token: str | None = None
        try:
            # Page by page (not botocore's paginator), so a throttle retries one page, not all.
            while True:
                page = self._call("filter_log_events", **params, **_token(token))
                found.extend(_event(raw) for raw in page.get("events", []))
                next_token = page.get("nextToken")
                if not next_token or next_token == token:
                    break
                token = next_token
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
            page = self._call("get_log_events", **params, **_token(token))
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
