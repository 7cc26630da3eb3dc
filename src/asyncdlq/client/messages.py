"""Read dead letters and destination records from an SQS queue, whatever shape they arrive in.

Three shapes reach a queue (docs/aws-behaviour.md, Dead-letter queues; Destinations and dead-letter
targets): an SQS dead letter (body = the event, RequestID in the message attributes), a destination
record (body = the invocation record JSON, no attributes), and either of them published to an SNS
topic that the queue subscribes (body = SNS's JSON envelope; a dead letter keeps RequestID in the
envelope's MessageAttributes, a record is its Message). ``ReceivedMessage`` unwraps all three to the
request id and the original event.

A queue may be shared by several tests or xdist workers, so ``MessageReader`` deletes only the
messages it matched and makes every other message visible again straight away.

Lambda delivers at least once (docs/aws-behaviour.md, Retry timing and event age: "At least
once"), so a second message for the same request is correct behaviour: ``Match.duplicates``
reports it, and ``Match.unexplained_duplicates`` names only those that are not a redelivery (a
different request id or payload), which is what tests assert on.
"""

from __future__ import annotations

import contextlib
import datetime
import json
import time
from dataclasses import dataclass, field
from typing import Any, Callable

from botocore.exceptions import ClientError

from ..progress import Wait, say
from .clients import queue_name_of

LONG_POLL_S = 10  # below SQS's 20 s maximum so the wait's progress keeps flowing
TICK_S = 5.0
# Received messages stay invisible only while one sweep of the queue runs, so a sweep sees past
# the first ten; if this process dies mid-sweep they come back by themselves after this long.
HOLD_S = 30
# A sweep that ends this fast found only visible messages of others (a long poll would have
# waited); pause before the next one rather than spin on them.
_QUICK_S = 0.5
_PAUSE_S = 1.0
# A peek long-polls each receive this long: a short poll (WaitTimeSeconds=0) samples only a
# subset of SQS's servers and may answer nothing while messages wait; a long poll asks them all
# (docs/aws-behaviour.md, SQS short and long polling). 1 s is SQS's shortest long poll.
PEEK_WAIT_S = 1


def _parse_json(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return None


def _record_in(value: Any) -> dict[str, Any] | None:
    """``value`` if it is an invocation record (it has requestContext.requestId)."""
    if isinstance(value, dict):
        context = value.get("requestContext")
        if isinstance(context, dict) and context.get("requestId"):
            return value
    return None


def _sns_envelope(value: Any) -> dict[str, Any] | None:
    if (
        isinstance(value, dict)
        and value.get("Type") == "Notification"
        and isinstance(value.get("Message"), str)
        and "TopicArn" in value
    ):
        return value
    return None


@dataclass(frozen=True)
class ReceivedMessage:
    message_id: str
    body: str
    # MD5OfBody; for a dead letter the MD5 of the sent bytes (docs/aws-behaviour.md, Dead-letter
    # queues)
    md5_of_body: str | None
    attributes: dict[str, str]  # SQS attributes: SentTimestamp, ApproximateReceiveCount, ...
    message_attributes: dict[str, dict[str, str]]  # as SQS gives them: {"DataType", "StringValue"}
    sent_at: float | None  # epoch seconds, from SentTimestamp
    request_id: str | None
    payload_text: str | None  # the original event, as far as the message carries it
    record: dict[str, Any] | None = None  # a destination's invocation record
    sns: dict[str, Any] | None = None  # the SNS envelope, when the message came through a topic
    queue_url: str = ""
    receipt_handle: str = field(default="", repr=False, compare=False)

    @classmethod
    def from_sqs(cls, message: dict[str, Any], queue_url: str = "") -> ReceivedMessage:
        body = message.get("Body", "")
        attributes = dict(message.get("Attributes", {}))
        sent = attributes.get("SentTimestamp")
        envelope = _sns_envelope(_parse_json(body))
        inner = envelope["Message"] if envelope else body
        named = _lambda_attributes(message.get("MessageAttributes", {}), envelope)
        record = None if "RequestID" in named else _record_in(_parse_json(inner))
        if record is not None:
            request_id: str | None = str(record["requestContext"]["requestId"])
            payload = record.get("requestPayload")
            payload_text = None if "requestPayload" not in record else json.dumps(payload)
        else:
            request_id, payload_text = named.get("RequestID"), inner
        return cls(
            message_id=message.get("MessageId", ""),
            body=body,
            md5_of_body=message.get("MD5OfBody"),
            attributes=attributes,
            message_attributes=dict(message.get("MessageAttributes", {})),
            sent_at=int(sent) / 1000 if sent else None,
            request_id=request_id,
            payload_text=payload_text,
            record=record,
            sns=envelope,
            queue_url=queue_url,
            receipt_handle=message.get("ReceiptHandle", ""),
        )

    @property
    def lambda_attributes(self) -> dict[str, str]:
        """RequestID, ErrorCode, ErrorMessage as plain values, from SQS or SNS attributes."""
        return _lambda_attributes(self.message_attributes, self.sns)

    @property
    def kind(self) -> str:
        if self.record is not None:
            return "destination record"
        return "dead letter" if "RequestID" in self.lambda_attributes else "message"

    def matches(self, request_id: str | None = None, correlation_id: str | None = None) -> bool:
        """Whether this is the request's message: same request id, and/or the correlation id
        occurs in the original event. With neither given nothing matches."""
        if request_id is None and correlation_id is None:
            return False
        if request_id is not None and self.request_id != request_id:
            return False
        return correlation_id is None or correlation_id in (self.payload_text or "")

    def describe(self, body_limit: int = 500) -> str:
        """A few lines for a human: id, kind, when, request id, attributes, body (cut)."""
        when = "?"
        if self.sent_at is not None:
            stamp = datetime.datetime.fromtimestamp(self.sent_at, datetime.timezone.utc)
            when = stamp.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
        lines = [f"message {self.message_id} ({self.kind}, sent {when})"]
        lines.append(f"  request id: {self.request_id or '(none)'}")
        if self.sns is not None:
            lines.append(f"  via SNS topic {self.sns.get('TopicArn')}")
        shown = " ".join(f"{k}={v!r}" for k, v in sorted(self.lambda_attributes.items()))
        if shown:
            lines.append(f"  attributes: {shown}")
        if self.record is not None:
            context = self.record.get("requestContext", {})
            lines.append(
                f"  record: condition={context.get('condition')} "
                f"approximateInvokeCount={context.get('approximateInvokeCount')}"
            )
        body = self.body if len(self.body) <= body_limit else self.body[:body_limit] + " …(cut)"
        lines.append(f"  body: {body}")
        return "\n".join(lines)


def _lambda_attributes(
    sqs_attributes: dict[str, dict[str, str]], envelope: dict[str, Any] | None
) -> dict[str, str]:
    if envelope is not None:
        sns_form = envelope.get("MessageAttributes") or {}
        return {k: str(v.get("Value", "")) for k, v in sns_form.items() if isinstance(v, dict)}
    return {k: str(v.get("StringValue", "")) for k, v in sqs_attributes.items()}


@dataclass(frozen=True)
class Match:
    messages: list[ReceivedMessage]
    duplicates: list[ReceivedMessage]  # the same request's message again: at-least-once delivery
    # Matched by a trigger's event, not a request id: a source that delivers twice (SNS and
    # EventBridge deliver at least once too) makes a second invocation with its own request id.
    by_event: bool = False

    @property
    def unexplained_duplicates(self) -> list[ReceivedMessage]:
        """The duplicates that are not a redelivery of a matched message: a redelivery is the
        same kind of message carrying the same event (``payload_text``) under the same request
        id (any request id when matched by the event). A redelivery is correct AWS behaviour
        (reported, not failed); anything listed here is not."""
        return [
            d
            for d in self.duplicates
            if not any(_redelivers(d, m, same_request=not self.by_event) for m in self.messages)
        ]


def _redelivers(
    duplicate: ReceivedMessage, original: ReceivedMessage, *, same_request: bool
) -> bool:
    if same_request and (
        duplicate.request_id is None or duplicate.request_id != original.request_id
    ):
        return False
    return duplicate.kind == original.kind and duplicate.payload_text == original.payload_text


class MessageTimeout(TimeoutError):
    """Too few matching messages arrived; ``messages`` holds those that did (already deleted)."""

    def __init__(self, text: str, messages: list[ReceivedMessage]) -> None:
        super().__init__(text)
        self.messages = messages


class _Collector:
    """Sorts what sweeps receive: the request's messages, then its duplicates, and the others."""

    def __init__(
        self,
        wanted: Callable[[ReceivedMessage], bool],
        count: int,
        tell: Callable[[ReceivedMessage, str], None],
    ) -> None:
        self.wanted, self.count, self.tell = wanted, count, tell
        self.matched: list[ReceivedMessage] = []
        self.duplicates: list[ReceivedMessage] = []
        self.others: set[str] = set()
        self._taken: set[str] = set()

    def take(self, message: ReceivedMessage) -> bool:
        """Whether to delete ``message``: it is the request's (or a duplicate of it)."""
        if not self.wanted(message):
            self.others.add(message.message_id)
            return False
        if message.message_id in self._taken:  # SQS itself delivered it twice: delete it again
            return True
        self._taken.add(message.message_id)
        if len(self.matched) < self.count:
            self.matched.append(message)
            self.tell(message, "match")
        else:
            self.duplicates.append(message)
            self.tell(message, "duplicate")
        return True


class MessageReader:
    """Waits for, and peeks at, messages on SQS queues through one SQS client."""

    def __init__(
        self,
        sqs_client: Any,
        progress: Callable[[str], None] = say,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.sqs = sqs_client
        self._say = progress
        self._clock, self._sleep = clock, sleep

    def wait_for(
        self,
        queue_url: str,
        *,
        request_id: str | None = None,
        correlation_id: str | None = None,
        count: int = 1,
        timeout_s: float,
        duplicate_window_s: float = 0.0,
        on_tick: Callable[[], None] | None = None,
        matching: tuple[str, Callable[[ReceivedMessage], bool]] | None = None,
    ) -> Match:
        """Receive until ``count`` messages of the request arrived, then keep receiving for
        ``duplicate_window_s`` to catch a second delivery. Deletes what matched, only that.

        ``matching`` = (what it is, predicate) matches by the predicate instead of the ids (a
        trigger's event: client/triggers.py). Raises MessageTimeout (a TimeoutError) naming the
        queue, what it matched on, how many arrived, how long it waited and how many other
        messages it saw.
        """
        if request_id is None and correlation_id is None and matching is None:
            raise ValueError("wait_for needs a request_id or a correlation_id (or a predicate)")
        if matching is not None:
            on, wanted = matching
        else:
            on = " and ".join(
                f"{what} {value}"
                for what, value in (("request id", request_id), ("correlation id", correlation_id))
                if value is not None
            )

            def wanted(message: ReceivedMessage) -> bool:
                return message.matches(request_id, correlation_id)

        queue = queue_name_of(queue_url)
        started = self._clock()
        # Said after the last on_tick, so the attempts' lines come before the arrival's.
        arrivals: list[str] = []

        def tell(message: ReceivedMessage, what: str) -> None:
            if what == "duplicate":
                self._say(
                    f"WARNING: duplicate {message.kind} for {on} on {queue} (message "
                    f"{message.message_id}): Lambda delivers at least once"
                )
            else:
                waited = self._clock() - started
                arrivals.append(f"{message.kind} for {on} arrived on {queue} after {waited:.1f}s")

        found = _Collector(wanted, count, tell)
        poll_cap = LONG_POLL_S if on_tick is None else int(TICK_S)
        next_tick = started + TICK_S
        wait = Wait(f"a message for {on} on {queue}", timeout_s, say=self._say, clock=self._clock)
        try:
            deadline = started + timeout_s
            while len(found.matched) < count:
                remaining = deadline - self._clock()
                if remaining <= 0:
                    raise MessageTimeout(
                        f"{len(found.matched)} of {count} message(s) for {on} arrived on {queue} "
                        f"({queue_url}) after waiting {self._clock() - started:.1f}s (timeout "
                        f"{timeout_s:g}s); {len(found.others)} other message(s) seen there and left",
                        found.matched,
                    )
                self._round(queue_url, remaining, poll_cap, found.take)
                wait.update(
                    f"{len(found.matched)}/{count} arrived, {len(found.others)} other(s) seen"
                )
                if on_tick is not None and self._clock() >= next_tick:
                    on_tick()
                    next_tick = self._clock() + TICK_S
            if on_tick is not None:
                on_tick()
            for line in arrivals:
                self._say(line)
            window_end = self._clock() + duplicate_window_s
            while self._clock() < window_end:
                self._round(queue_url, window_end - self._clock(), poll_cap, found.take)
        finally:
            wait.close()
        return Match(found.matched, found.duplicates, by_event=matching is not None)

    def peek(
        self, queue_url: str, max_messages: int = 10, *, wait_s: int = PEEK_WAIT_S
    ) -> list[ReceivedMessage]:
        """Up to ``max_messages`` messages now in the queue, left there and visible.

        Every receive long-polls ``wait_s`` (PEEK_WAIT_S), so an empty queue costs that long;
        what was received is made visible again at the end. ``wait_s=0`` short-polls, which may
        miss messages: only for a loop that peeks again on its next pass and would otherwise
        spend a second per empty queue on every pass."""
        return self._sweep(
            queue_url, wait_s, lambda _: False, limit=max_messages, later_wait_s=wait_s
        )

    def _round(
        self,
        queue_url: str,
        remaining_s: float,
        poll_cap: int,
        take: Callable[[ReceivedMessage], bool],
    ) -> None:
        took = 0

        def counting(message: ReceivedMessage) -> bool:
            nonlocal took
            accepted = take(message)
            took += accepted
            return accepted

        asked = self._clock()
        # int() rounds down, so a long poll never runs past the deadline.
        seen = self._sweep(queue_url, max(0, min(poll_cap, int(remaining_s))), counting)
        if not took and self._clock() - asked < _QUICK_S:
            self._sleep(max(0.0, min(_PAUSE_S if seen else _QUICK_S, remaining_s)))

    def _sweep(
        self,
        queue_url: str,
        wait_s: int,
        take: Callable[[ReceivedMessage], bool],
        *,
        limit: int = 100,
        later_wait_s: int = 0,
    ) -> list[ReceivedMessage]:
        """Receive until the queue has nothing more (the first call long-polls ``wait_s``, later
        ones ``later_wait_s``); delete what ``take`` accepts and make everything else visible
        again at the end."""
        seen: list[ReceivedMessage] = []
        held: list[ReceivedMessage] = []
        try:
            while len(seen) < limit:
                response = self.sqs.receive_message(
                    QueueUrl=queue_url,
                    MaxNumberOfMessages=min(10, limit - len(seen)),
                    WaitTimeSeconds=wait_s,
                    VisibilityTimeout=HOLD_S,
                    MessageAttributeNames=["All"],
                    AttributeNames=["All"],
                )
                batch = response.get("Messages", [])
                if not batch:
                    break
                wait_s = later_wait_s
                for raw in batch:
                    message = ReceivedMessage.from_sqs(raw, queue_url)
                    seen.append(message)
                    if take(message):
                        self.sqs.delete_message(
                            QueueUrl=queue_url, ReceiptHandle=message.receipt_handle
                        )
                    else:
                        held.append(message)
        finally:
            self._release(queue_url, held)
        return seen

    def _release(self, queue_url: str, held: list[ReceivedMessage]) -> None:
        for start in range(0, len(held), 10):
            entries = [
                {"Id": str(i), "ReceiptHandle": m.receipt_handle, "VisibilityTimeout": 0}
                for i, m in enumerate(held[start : start + 10])
            ]
            # A message whose release fails comes back by itself after HOLD_S.
            with contextlib.suppress(ClientError):
                self.sqs.change_message_visibility_batch(QueueUrl=queue_url, Entries=entries)
