"""Which service handed an async event to Lambda, and the deliveries a service was refused.

An event invoked through SNS, EventBridge or S3 carries its ``TriggerSource``, so introspection and
the CLI can say where it came from (the topic and message, the rule and event, the bucket and
key). A delivery the function's resource-based policy did not allow never becomes an event: it is
kept as a ``Refusal`` with the reason, because on AWS nothing shows it in the function's log
group (docs/aws-behaviour.md, Triggers that invoke asynchronously: refusals).
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass, field
from typing import Any

SNS = "sns"
EVENTS = "events"
S3 = "s3"

# The service principal each source invokes with (docs/aws-behaviour.md, Resource-based
# permissions for triggers, What the module grants).
PRINCIPALS = {SNS: "sns.amazonaws.com", EVENTS: "events.amazonaws.com", S3: "s3.amazonaws.com"}

# Refusals kept for introspection; older ones go first.
REFUSALS_KEPT = 1000


@dataclass(frozen=True)
class TriggerSource:
    service: str  # SNS, EVENTS or S3
    source_arn: str  # the topic, the rule, the bucket (arn:aws:s3:::name)
    source_account: str  # the account that owns the source
    # What identifies the delivery at the source: SNS MessageId and subscription; EventBridge
    # event id and target id; S3 bucket, key and event name.
    ids: dict[str, str] = field(default_factory=dict)

    @property
    def principal(self) -> str:
        return PRINCIPALS[self.service]

    def describe(self) -> str:
        """One line for people: ``SNS topic arn:...:t, message 1f2e...``."""
        ids = self.ids
        if self.service == SNS:
            return f"SNS topic {self.source_arn}, message {ids.get('message_id', '?')}"
        if self.service == EVENTS:
            return f"EventBridge rule {self.source_arn}, event {ids.get('event_id', '?')}"
        return f"S3 bucket {ids.get('bucket', '?')}, key {ids.get('key', '?')}"

    def summary(self) -> dict[str, Any]:
        return {
            "service": self.service,
            "source_arn": self.source_arn,
            "source_account": self.source_account,
            **self.ids,
        }


@dataclass(frozen=True)
class Refusal:
    """A delivery that never reached the function, and what the source did with it."""

    source: TriggerSource
    function_arn: str
    reason: str
    at: float
    # What the source did next: "dropped", or the dead-letter queue it sent the event to.
    then: str = "dropped"

    def summary(self) -> dict[str, Any]:
        return {
            "source": self.source.summary(),
            "function_arn": self.function_arn,
            "reason": self.reason,
            "at": self.at,
            "then": self.then,
        }


class RefusalLog:
    """The latest refusals, for ``/_asyncdlq/invocations``; cleared by moto's reset."""

    def __init__(self, kept: int = REFUSALS_KEPT) -> None:
        self._lock = threading.Lock()
        self._refusals: deque[Refusal] = deque(maxlen=kept)

    def add(self, refusal: Refusal) -> None:
        with self._lock:
            self._refusals.append(refusal)

    def refusals(self) -> list[Refusal]:
        with self._lock:
            return list(self._refusals)

    def clear(self) -> None:
        with self._lock:
            self._refusals.clear()
