"""Helpers bound to one session's target (its clients, time scale and deadlines): invoke, wait
for a dead letter or record, read an invocation's attempts, build its timeline. The pytest
fixtures hand these out; each remembers what the test did, for the failure report.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from botocore.exceptions import ClientError

from .. import progress
from ..client.invoker import Invocation, Payload, invoke_async
from ..client.logs import AttemptLog, LogReader, log_group_of
from ..client.messages import Match, MessageReader, ReceivedMessage
from ..client.timeline import AttemptWatcher, Timeline, assert_retry_spacing, build_timeline

if TYPE_CHECKING:
    from ..client.clients import Clients
    from ..client.deadlines import Deadlines

# Attempts log a little before the invoke returns on a fast target; look back for clock skew.
_LOOKBACK_MS = 5_000
_LOG_POLL_S = 1.0


@dataclass
class Activity:
    """What one test did with the target, for its failure report."""

    invocations: list[Invocation] = field(default_factory=list)
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
        invocation: Invocation | None = None,
        *,
        request_id: str | None = None,
        correlation_id: str | None = None,
        count: int = 1,
        timeout_s: float | None = None,
        duplicate_window_s: float | None = None,
    ) -> Match:
        """Wait for the invocation's dead letter or destination record on ``queue_url``.

        Matches the invocation's request id unless ``request_id`` or ``correlation_id`` is
        given. The default timeout covers the function's own retry schedule on this target;
        while waiting, each attempt is reported as the logs show it.
        """
        if invocation is not None and request_id is None and correlation_id is None:
            request_id = invocation.request_id
        if request_id is None and correlation_id is None:
            raise TypeError("wait_for needs an invocation, a request_id or a correlation_id")
        self._record.queue_urls.append(queue_url)
        watcher = None
        retries = 2
        if invocation is not None:
            retries = self._facts.retries(invocation.function_name)
            watcher = AttemptWatcher(
                LogReader(self._clients.logs),
                self._facts.log_group(invocation.function_name),
                invocation.request_id,
                self._deadlines.time_scale,
                max_attempts=retries + 1,
                start_ms=int(invocation.invoked_at * 1000) - _LOOKBACK_MS,
            )
        match = self.reader.wait_for(
            queue_url,
            request_id=request_id,
            correlation_id=correlation_id,
            count=count,
            timeout_s=timeout_s or self._deadlines.dead_letter(retries),
            duplicate_window_s=(
                self._deadlines.duplicate_window
                if duplicate_window_s is None
                else duplicate_window_s
            ),
            on_tick=watcher.poll if watcher else None,
        )
        self._record.received.extend([*match.messages, *match.duplicates])
        return match

    def peek(self, queue_url: str, max_messages: int = 10) -> list[ReceivedMessage]:
        """What ``queue_url`` holds now, without consuming it."""
        return self.reader.peek(queue_url, max_messages)


# --- logs and timelines ---------------------------------------------------------------------


class Logs:
    def __init__(self, clients: Clients, deadlines: Deadlines, facts: FunctionFacts) -> None:
        self.reader = LogReader(clients.logs)
        self._deadlines, self._facts = deadlines, facts

    def attempts(
        self, invocation: Invocation, *, count: int = 1, timeout_s: float | None = None
    ) -> list[AttemptLog]:
        """The invocation's attempts once ``count`` of them have ended (CloudWatch shows lines
        seconds after they are written); raises TimeoutError with what was seen."""
        group = self._facts.log_group(invocation.function_name)
        since = int(invocation.invoked_at * 1000) - _LOOKBACK_MS
        deadline = time.monotonic() + (timeout_s or self._deadlines.logs)
        while True:
            seen = self.reader.attempts(group, invocation.request_id, start_ms=since)
            if sum(a.ended for a in seen) >= count:
                return seen
            if time.monotonic() >= deadline:
                shown = "\n".join(f"  {line}" for a in seen for line in a.lines) or "  (none)"
                raise TimeoutError(
                    f"{count} ended attempt(s) of request {invocation.request_id} did not show "
                    f"in {group}; {len(seen)} seen:\n{shown}"
                )
            time.sleep(_LOG_POLL_S)


class Timelines:
    def __init__(self, logs: Logs, deadlines: Deadlines, facts: FunctionFacts) -> None:
        self._logs, self._deadlines, self._facts = logs, deadlines, facts

    def __call__(
        self,
        invocation: Invocation,
        message: ReceivedMessage | None = None,
        *,
        attempts: int | None = None,
    ) -> Timeline:
        """The invocation's attempts and ``message``. With a dead letter (or a failure record)
        it first waits until every attempt the function's retries allow has been logged."""
        if attempts is None and message is not None:
            if message.record is not None:
                context = message.record.get("requestContext", {})
                attempts = int(context.get("approximateInvokeCount", 1))
            elif message.kind == "dead letter":
                attempts = 1 + self._facts.retries(invocation.function_name)
        if attempts:
            self._logs.attempts(invocation, count=attempts)
        group = self._facts.log_group(invocation.function_name)
        return build_timeline(self._logs.reader, group, invocation, message)

    def assert_retry_spacing(self, timeline: Timeline, *, attempts: int | None = None) -> None:
        """Retries started ~60 s and ~120 s after the attempt before ended (scaled on the
        emulator), within the tolerances in timeline.py."""
        assert_retry_spacing(timeline, self._deadlines.time_scale, attempts=attempts)
