"""Helpers bound to one session's target (its clients, time scale and deadlines): invoke or
trigger, wait for a dead letter or record, read an invocation's attempts, build its timeline.
Every reader takes an Invocation (an Event invoke) or a Triggered (an event handed to SNS,
EventBridge or S3, whose request id is learnt on the way). The pytest fixtures hand these out;
each remembers what the test did, for the failure report.
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Union

from botocore.exceptions import ClientError

from .. import progress
from ..aws.timing import log_events_since_ms
from ..client.invoker import Invocation, Payload, invoke_async
from ..client.logs import AttemptLog, LogReader, LogsThrottled, log_group_of
from ..client.messages import Match, MessageReader, ReceivedMessage
from ..client.timeline import AttemptWatcher, Timeline, assert_retry_spacing, build_timeline
from ..client.triggers import (
    Triggered,
    lines_mentioning,
    publish_sns,
    put_event,
    put_object,
    request_id_in_logs,
)

if TYPE_CHECKING:
    from ..client.clients import Clients
    from ..client.deadlines import Deadlines

# How far to look back before the invoke, how often to poll the logs and how a throttled read
# is retried: per target, in asyncdlq.aws.timing (Deadlines.kind).
# On AWS a source hands the event to Lambda after its own delay: S3 "typically in seconds but
# can sometimes take a minute or longer" (docs/aws-behaviour.md, Triggers that invoke
# asynchronously: refusals). The emulator invokes during the source's call.
_SOURCE_DELAY_AWS_S = 60.0

Handle = Union[Invocation, Triggered]


@dataclass
class Activity:
    """What one test did with the target, for its failure report."""

    invocations: list[Invocation] = field(default_factory=list)
    triggered: list[Triggered] = field(default_factory=list)
    queue_urls: list[str] = field(default_factory=list)
    received: list[ReceivedMessage] = field(default_factory=list)


class FunctionFacts:
    """Per-session cache of what the harness needs to know about a function."""

    def __init__(self, clients: Clients) -> None:
        self.clients = clients
        self._groups: dict[str, str] = {}
        self._retries: dict[str, int] = {}

    def log_group(self, function_name: str) -> str:
        if function_name not in self._groups:
            self._groups[function_name] = log_group_of(self.clients.lambda_, function_name)
        return self._groups[function_name]

    def retries(self, function_name: str) -> int:
        """MaximumRetryAttempts of the function's event invoke config (AWS's default: 2)."""
        if function_name not in self._retries:
            try:
                config = self.clients.lambda_.get_function_event_invoke_config(
                    FunctionName=function_name
                )
                self._retries[function_name] = int(config.get("MaximumRetryAttempts", 2))
            except ClientError as exc:
                if exc.response.get("Error", {}).get("Code") != "ResourceNotFoundException":
                    raise
                self._retries[function_name] = 2
        return self._retries[function_name]


# --- invoke ---------------------------------------------------------------------------------


class Invoker:
    def __init__(self, clients: Clients, record: Activity) -> None:
        self._clients, self._record = clients, record

    def __call__(
        self, function_name: str, payload: Payload = b"{}", *, correlation_id: str | None = None
    ) -> Invocation:
        """Invoke with InvocationType=Event; the Invocation carries the 202's request id."""
        invocation = invoke_async(
            self._clients.lambda_, function_name, payload, correlation_id=correlation_id
        )
        self._record.invocations.append(invocation)
        progress.say(f"invoked {function_name} (Event): request id {invocation.request_id}")
        return invocation


class Triggerer:
    """Hand an event to a source that invokes the function: ``sns``, ``event``, ``s3``."""

    def __init__(self, clients: Clients, record: Activity) -> None:
        self._clients, self._record = clients, record

    def _keep(self, triggered: Triggered) -> Triggered:
        self._record.triggered.append(triggered)
        progress.say(f"triggered {triggered.function_name}: {triggered.describe()}")
        return triggered

    def sns(
        self,
        topic_arn: str,
        function_name: str,
        message: str,
        *,
        subject: str | None = None,
        attributes: dict[str, dict[str, str]] | None = None,
    ) -> Triggered:
        """Publish to ``topic_arn``, to which ``function_name`` subscribes."""
        sns = self._clients.client("sns")
        return self._keep(
            publish_sns(
                sns, topic_arn, function_name, message, subject=subject, attributes=attributes
            )
        )

    def event(
        self,
        function_name: str,
        *,
        source: str,
        detail_type: str,
        detail: dict[str, Any],
        bus: str | None = None,
    ) -> Triggered:
        """PutEvents one event that a rule targeting ``function_name`` matches."""
        events = self._clients.client("events")
        return self._keep(
            put_event(
                events,
                function_name,
                source=source,
                detail_type=detail_type,
                detail=detail,
                bus=bus,
            )
        )

    def s3(self, bucket: str, key: str, body: Payload, function_name: str) -> Triggered:
        """PutObject into ``bucket``, whose notification invokes ``function_name``."""
        return self._keep(put_object(self._clients.client("s3"), bucket, key, body, function_name))


# --- dead letters and destination records ---------------------------------------------------


class Messages:
    def __init__(
        self, clients: Clients, deadlines: Deadlines, facts: FunctionFacts, record: Activity
    ) -> None:
        self._clients, self._deadlines, self._facts, self._record = (
            clients,
            deadlines,
            facts,
            record,
        )
        self.reader = MessageReader(clients.sqs)

    def wait_for(
        self,
        queue_url: str,
        invocation: Handle | None = None,
        *,
        request_id: str | None = None,
        correlation_id: str | None = None,
        count: int = 1,
        timeout_s: float | None = None,
        duplicate_window_s: float | None = None,
    ) -> Match:
        """Wait for the invocation's dead letter or destination record on ``queue_url``.

        Matches the invocation's request id unless ``request_id`` or ``correlation_id`` is
        given; a Triggered matches the message that carries its event (the function's dead
        letter, an SNS redrive, an EventBridge target's dead letter) and learns its request id
        from it. The default timeout covers the function's own retry schedule on this target;
        while waiting, each attempt is reported as the logs show it.
        """
        triggered = invocation if isinstance(invocation, Triggered) else None
        by_id = request_id is not None or correlation_id is not None
        if triggered is None and invocation is not None and not by_id:
            request_id = invocation.request_id
        if request_id is None and correlation_id is None and triggered is None:
            raise TypeError("wait_for needs an invocation, a request_id or a correlation_id")
        self._record.queue_urls.append(queue_url)
        retries = 2
        watcher = None
        if invocation is not None:
            retries = self._facts.retries(invocation.function_name)
            watcher = _Narrator(
                _log_reader(self._clients, self._deadlines),
                self._facts,
                self._deadlines,
                invocation,
                retries,
            )
        matching = None
        if triggered is not None and request_id is None and correlation_id is None:
            matching = (triggered.describe(), triggered.matches)
        timeout = timeout_s or self._deadlines.dead_letter(retries)
        if triggered is not None and self._deadlines.on_aws:
            timeout += _SOURCE_DELAY_AWS_S
        match = self.reader.wait_for(
            queue_url,
            request_id=request_id,
            correlation_id=correlation_id,
            count=count,
            timeout_s=timeout,
            duplicate_window_s=(
                self._deadlines.duplicate_window
                if duplicate_window_s is None
                else duplicate_window_s
            ),
            on_tick=watcher.poll if watcher else None,
            matching=matching,
        )
        if triggered is not None:
            for message in match.messages:
                triggered.learn(message)
        self._record.received.extend([*match.messages, *match.duplicates])
        return match

    def peek(self, queue_url: str, max_messages: int = 10) -> list[ReceivedMessage]:
        """What ``queue_url`` holds now, without consuming it."""
        return self.reader.peek(queue_url, max_messages)


class _Narrator:
    """Reports each attempt while a wait runs; a Triggered's attempts once its id shows."""

    def __init__(
        self,
        reader: LogReader,
        facts: FunctionFacts,
        deadlines: Deadlines,
        handle: Handle,
        retries: int,
    ) -> None:
        self._reader = reader
        self._group = facts.log_group(handle.function_name)
        self._handle, self._retries, self._scale = handle, retries, deadlines.time_scale
        self._watcher: AttemptWatcher | None = None

    def poll(self) -> None:
        if self._watcher is None:
            try:
                request_id = _known_request_id(self._reader, self._group, self._handle)
            except LogsThrottled:
                return  # the next tick asks again
            if request_id is None:
                return
            self._watcher = AttemptWatcher(
                self._reader,
                self._group,
                request_id,
                self._scale,
                max_attempts=self._retries + 1,
                start_ms=log_events_since_ms(self._handle.invoked_at),
            )
        self._watcher.poll()


def _log_reader(clients: Clients, deadlines: Deadlines) -> LogReader:
    return LogReader(clients.logs, throttle_waits_s=deadlines.kind.throttle_waits_s)


def _known_request_id(reader: LogReader, group: str, handle: Handle) -> str | None:
    """The handle's request id now: an Invocation's, or what a Triggered has learnt (from its
    dead letter or the attempt that logged its source id)."""
    if not isinstance(handle, Triggered):
        return handle.request_id
    if handle.request_id is None:
        since = log_events_since_ms(handle.invoked_at)
        handle.request_id = request_id_in_logs(reader, group, handle, start_ms=since)
    return handle.request_id


# --- logs and timelines ---------------------------------------------------------------------


class Logs:
    def __init__(self, clients: Clients, deadlines: Deadlines, facts: FunctionFacts) -> None:
        self.reader = _log_reader(clients, deadlines)
        self._deadlines, self._facts = deadlines, facts

    def request_id(self, handle: Handle, *, timeout_s: float | None = None) -> str:
        """The handle's request id, waiting for a Triggered's first attempt to log it."""
        group = self._facts.log_group(handle.function_name)
        wait_s = timeout_s or self._deadlines.logs
        if isinstance(handle, Triggered) and self._deadlines.on_aws:
            wait_s += _SOURCE_DELAY_AWS_S
        deadline = time.monotonic() + wait_s
        while True:
            try:
                found = _known_request_id(self.reader, group, handle)
            except LogsThrottled:
                found = None  # a throttle is no answer: poll again until the deadline
            if found is not None:
                return found
            if time.monotonic() >= deadline:
                raise TimeoutError(
                    f"no attempt of {handle.function_name} logged {handle.describe()} (looked "
                    f"for {handle.correlation_id!r} in {group} for {wait_s:.0f}s): the source "
                    "never invoked it, or the handler does not print its event. A missing "
                    "resource-based permission fails like this; on the emulator `asyncdlq "
                    f"invocations` lists refused deliveries{self._throttle_note()}"
                )
            time.sleep(self._deadlines.log_poll)

    def attempts(
        self, invocation: Handle, *, count: int = 1, timeout_s: float | None = None
    ) -> list[AttemptLog]:
        """The invocation's attempts once ``count`` of them have ended (CloudWatch shows lines
        seconds after they are written); raises TimeoutError with what was seen."""
        group = self._facts.log_group(invocation.function_name)
        request_id = self.request_id(invocation, timeout_s=timeout_s)
        since = log_events_since_ms(invocation.invoked_at)
        deadline = time.monotonic() + (timeout_s or self._deadlines.logs)
        seen: list[AttemptLog] = []
        while True:
            # A throttled read keeps what the last one saw: a throttle never fails the wait.
            with contextlib.suppress(LogsThrottled):
                seen = self.reader.attempts(group, request_id, start_ms=since)
            if sum(a.ended for a in seen) >= count:
                return seen
            if time.monotonic() >= deadline:
                shown = "\n".join(f"  {line}" for a in seen for line in a.lines) or "  (none)"
                raise TimeoutError(
                    f"{count} ended attempt(s) of request {request_id} did not show "
                    f"in {group}; {len(seen)} seen:\n{shown}{self._throttle_note()}"
                )
            time.sleep(self._deadlines.log_poll)

    def _throttle_note(self) -> str:
        if not self.reader.throttled:
            return ""
        return (
            f" ({self.reader.throttled} log read(s) were throttled meanwhile: FilterLogEvents "
            "allows 5 per second per account and region)"
        )

    def lines_mentioning(self, triggered: Triggered) -> list[str]:
        """The function's log lines that contain the trigger's source id, now (for "the
        function never ran": a refused delivery logs nothing)."""
        group = self._facts.log_group(triggered.function_name)
        since = log_events_since_ms(triggered.invoked_at)
        return lines_mentioning(self.reader, group, triggered, start_ms=since)


class Timelines:
    def __init__(self, logs: Logs, deadlines: Deadlines, facts: FunctionFacts) -> None:
        self._logs, self._deadlines, self._facts = logs, deadlines, facts

    def __call__(
        self,
        invocation: Handle,
        message: ReceivedMessage | None = None,
        *,
        attempts: int | None = None,
    ) -> Timeline:
        """The invocation's attempts and ``message``. With a dead letter (or a failure record)
        it first waits until every attempt the function's retries allow has been logged."""
        if isinstance(invocation, Triggered) and message is not None:
            invocation.learn(message)
        if attempts is None and message is not None:
            if message.record is not None:
                context = message.record.get("requestContext", {})
                attempts = int(context.get("approximateInvokeCount", 1))
            elif message.kind == "dead letter":
                attempts = 1 + self._facts.retries(invocation.function_name)
        if attempts:
            self._logs.attempts(invocation, count=attempts)
        group = self._facts.log_group(invocation.function_name)
        known = as_invocation(invocation, self._logs.request_id(invocation))
        return build_timeline(self._logs.reader, group, known, message)

    def assert_retry_spacing(self, timeline: Timeline, *, attempts: int | None = None) -> None:
        """Retries started ~60 s and ~120 s after the attempt before ended (scaled on the
        emulator): at least that on an aws-like target (AWS documents no upper bound), within
        the plain emulator's tolerance otherwise (asyncdlq.aws.timing)."""
        aws_like = self._deadlines.on_aws or self._deadlines.aws_like
        assert_retry_spacing(
            timeline, self._deadlines.time_scale, attempts=attempts, aws_like=aws_like
        )


def as_invocation(handle: Handle, request_id: str) -> Invocation:
    if isinstance(handle, Invocation):
        return handle
    return Invocation(handle.function_name, request_id, 202, handle.invoked_at, handle.payload)
