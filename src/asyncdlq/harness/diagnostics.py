"""What to print when a test fails: each invocation's timeline and logs, what each queue holds
now, and the Terraform outputs.

Everything here runs after a failure has already happened, so nothing here may hide it: a part
that cannot be read becomes one line ``(could not read <part>: <error>)`` and the rest goes on.
Queues are peeked, never consumed, so a rerun or a human still finds the messages.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, Callable

from ..aws.timing import log_events_since_ms
from ..client.invoker import Invocation
from ..client.logs import LogReader, log_group_of
from ..client.messages import MessageReader, ReceivedMessage
from ..client.timeline import build_timeline, spacing_verdict
from ..client.triggers import Triggered, request_id_in_logs

# https://sqs.<region>.amazonaws.com/<account>/<name>, or an emulator's http://host:port/<account>/<name>
_QUEUE_URL = re.compile(r"^https?://[^\s/]+(?:/[^\s/]+)*/\d{12}/[A-Za-z0-9_-]{1,80}(?:\.fifo)?$")


def queue_urls_in(value: Any) -> Iterator[str]:
    """Every SQS queue URL anywhere in ``value`` (Terraform outputs: nested maps and lists)."""
    if isinstance(value, str):
        if _QUEUE_URL.match(value):
            yield value
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from queue_urls_in(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from queue_urls_in(item)


def _error(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


def _guarded(what: str, produce: Callable[[], str]) -> str:
    try:
        return produce()
    except Exception as exc:  # one unreadable part must not hide the rest, nor the failure
        return f"(could not read {what}: {_error(exc)})"


def _indent(lines: Iterable[str], prefix: str = "  ") -> str:
    # Tracebacks are one log event spanning several lines: indent every line of it.
    return "\n".join(prefix + part for line in lines for part in line.splitlines() or [""])


class _Report:
    def __init__(
        self,
        clients: Any,
        log_reader: LogReader | None,
        max_messages: int,
        aws_like: bool = False,
    ) -> None:
        self.clients = clients
        self.aws_like = aws_like
        self.reader = log_reader or LogReader(clients.logs)
        self.messages = MessageReader(clients.sqs, progress=lambda _: None)
        self.max_messages = max_messages
        self.peeked: dict[str, list[ReceivedMessage]] = {}
        # What the test itself received and deleted: no longer in any queue.
        self.received: list[ReceivedMessage] = []
        self._groups: dict[str, str] = {}

    def peek(self, queue_url: str) -> list[ReceivedMessage]:
        if queue_url not in self.peeked:
            self.peeked[queue_url] = self.messages.peek(queue_url, self.max_messages)
        return self.peeked[queue_url]

    def log_group(self, function_name: str) -> str:
        if function_name not in self._groups:
            self._groups[function_name] = log_group_of(self.clients.lambda_, function_name)
        return self._groups[function_name]

    def message_for(self, request_id: str) -> ReceivedMessage | None:
        for messages in [self.received, *self.peeked.values()]:
            for message in messages:
                if message.request_id == request_id:
                    return message
        return None

    def invocation(self, invocation: Invocation, time_scale: float | None, max_lines: int) -> str:
        parts: list[str] = []
        name = invocation.function_name
        try:
            group = self.log_group(name)
        except Exception as exc:  # e.g. the function is gone: its default group may remain
            group = f"/aws/lambda/{name}"
            parts.append(f"(could not read the configuration of {name}: {_error(exc)}; {group})")
        try:
            message = self.message_for(invocation.request_id)
            timeline = build_timeline(self.reader, group, invocation, message)
        except Exception as exc:
            parts.append(f"(could not read the attempts in {group}: {_error(exc)})")
            return "\n".join(parts)
        parts.append(timeline.render())
        verdict = None
        if time_scale is not None:
            verdict = spacing_verdict(timeline, time_scale, aws_like=self.aws_like)
        if verdict:
            parts.append(verdict)
        lines = [line for attempt in timeline.attempts for line in attempt.lines]
        cut = len(lines) - max_lines
        shown = lines[-max_lines:] if cut > 0 else lines
        header = f"log lines ({group}" + (f", first {cut} left out)" if cut > 0 else ")")
        parts.append(f"{header}:\n{_indent(shown) if shown else '  (none)'}")
        return "\n".join(parts)

    def triggered(self, triggered: Triggered, time_scale: float | None, max_lines: int) -> str:
        """A triggered event: as an invocation once its request id is known, else why not."""
        head = f"--- {triggered.describe()} for {triggered.function_name}"
        request_id = triggered.request_id
        if request_id is None:
            request_id = _guarded_id(self, triggered)
        if request_id is None:
            return (
                f"{head} ---\nno attempt logged it and no dead letter carried it: the source "
                "never invoked the function (a missing resource-based permission looks like "
                "this; on the emulator `asyncdlq invocations` lists refused deliveries), or "
                "the handler does not print its event"
            )
        known = Invocation(
            triggered.function_name, request_id, 202, triggered.invoked_at, triggered.payload
        )
        return f"{head}, request id {request_id} ---\n" + _guarded(
            f"invocation {request_id}", lambda: self.invocation(known, time_scale, max_lines)
        )

    def queue(self, queue_url: str, body_limit: int) -> str:
        messages = self.peek(queue_url)
        more = " or more" if len(messages) >= self.max_messages else ""
        head = f"{len(messages)}{more} message(s) now (peeked, left in the queue)"
        return "\n".join([head, *(m.describe(body_limit) for m in messages)])


def _guarded_id(report: _Report, triggered: Triggered) -> str | None:
    for message in report.received:
        if triggered.matches(message) and message.request_id:
            return message.request_id
    try:
        group = report.log_group(triggered.function_name)
        since = log_events_since_ms(triggered.invoked_at)
        return request_id_in_logs(report.reader, group, triggered, start_ms=since)
    except Exception:  # unreadable: the section says the id is unknown
        return None


def failure_report(
    clients: Any,
    *,
    invocations: Iterable[Invocation] = (),
    triggered: Iterable[Triggered] = (),
    stacks_outputs: Mapping[str, Mapping[str, Any]] | None = None,
    queue_urls: Iterable[str] = (),
    received: Iterable[ReceivedMessage] = (),
    log_reader: LogReader | None = None,
    time_scale: float | None = None,
    aws_like: bool = False,
    max_log_lines: int = 200,
    max_messages: int = 10,
    body_limit: int = 500,
) -> str:
    """The diagnostics text for a failed test.

    ``clients`` has ``.lambda_``, ``.sqs`` and ``.logs`` (``aws.Clients``). Queues are those
    given plus every SQS queue URL in the outputs; ``received`` are the messages the test took
    from them. With ``time_scale``, each invocation's retry spacing is checked too, against
    AWS's documented bounds when ``aws_like`` (AWS, or the emulator's ``aws`` profile).
    """
    sections: list[str] = ["=== asyncdlq diagnostics ==="]
    try:
        report = _Report(clients, log_reader, max_messages, aws_like)
        report.received = list(received)
        _collect(
            sections,
            report,
            [*invocations, *triggered],
            dict(stacks_outputs or {}),
            list(queue_urls),
            time_scale,
            max_log_lines,
            body_limit,
        )
    except Exception as exc:  # a bug here must not replace the test's own failure
        sections.append(f"(could not finish the diagnostics: {_error(exc)})")
    return "\n".join(sections)


def _collect(
    sections: list[str],
    report: _Report,
    invocations: list[Invocation | Triggered],
    stacks_outputs: dict[str, Any],
    queue_urls: list[str],
    time_scale: float | None,
    max_log_lines: int,
    body_limit: int,
) -> None:
    urls = list(dict.fromkeys([*queue_urls, *queue_urls_in(stacks_outputs)]))
    # Queues first: an invocation's timeline shows its dead letter if a queue holds it.
    queue_sections = [
        f"--- queue {url} ---\n"
        + _guarded(f"queue {url}", lambda url=url: report.queue(url, body_limit))
        for url in urls
    ]
    for invocation in invocations:
        if isinstance(invocation, Triggered):
            sections.append(report.triggered(invocation, time_scale, max_log_lines))
            continue
        sections.append(
            f"--- invocation of {invocation.function_name}, request id "
            f"{invocation.request_id} ---\n"
            + _guarded(
                f"invocation {invocation.request_id}",
                lambda inv=invocation: report.invocation(inv, time_scale, max_log_lines),
            )
        )
    if report.received:
        sections.append(
            "--- messages the test received (and deleted) ---\n"
            + "\n".join(m.describe(body_limit) for m in report.received)
        )
    sections.extend(queue_sections)
    for name, outputs in sorted(stacks_outputs.items()):
        sections.append(
            f"--- terraform outputs of {name} ---\n"
            + _guarded(
                f"the outputs of {name}",
                lambda o=outputs: json.dumps(o, indent=2, sort_keys=True, default=str),
            )
        )
