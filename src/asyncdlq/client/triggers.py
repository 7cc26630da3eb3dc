"""Trigger a function through SNS, EventBridge or S3, and follow the event like an Invocation.

The source answers with its own id (SNS's MessageId, EventBridge's event id, the bucket and key
written), not Lambda's request id: that one exists only once Lambda has queued the event, and
shows when the first attempt logs it (docs/aws-behaviour.md, Triggers that invoke asynchronously:
event shapes). A ``Triggered`` handle therefore carries the source id, matches the dead letter
whose event is this trigger's, and learns the request id from that dead letter's RequestID or
from the attempt that logged the source id (a handler that prints its event, as lambda/ does).
"""

from __future__ import annotations

import json
import time
import urllib.parse
from dataclasses import dataclass, field
from typing import Any

from .invoker import InvokeError, Payload, encode_payload
from .logs import LogReader
from .messages import ReceivedMessage

SNS, EVENTS, S3 = "sns", "events", "s3"


@dataclass
class Triggered:
    """An event handed to a source for ``function_name``; ``request_id`` once it is known."""

    service: str  # SNS, EVENTS or S3
    function_name: str
    ids: dict[str, str]  # message_id / event_id / bucket and key
    invoked_at: float  # epoch seconds, this machine's clock, just before the source's call
    payload: bytes = field(repr=False)  # what was given to the source (message, detail, body)
    request_id: str | None = None

    @property
    def correlation_id(self) -> str:
        """Text that occurs in the event the function receives (and so in what it prints)."""
        if self.service == S3:
            # S3 URL-encodes the key in its record (spaces as "+", "/" kept).
            return urllib.parse.quote_plus(self.ids["key"], safe="/")
        return self.ids["message_id" if self.service == SNS else "event_id"]

    def describe(self) -> str:
        if self.service == SNS:
            return f"SNS message {self.ids['message_id']} on {self.ids['topic_arn']}"
        if self.service == EVENTS:
            return f"EventBridge event {self.ids['event_id']} on bus {self.ids['bus']}"
        return f"S3 object s3://{self.ids['bucket']}/{self.ids['key']}"

    def matches(self, message: ReceivedMessage) -> bool:
        """Whether ``message`` carries this trigger's event: the function's dead letter (the
        event as the service delivered it), an SNS redrive (SNS's envelope) or an EventBridge
        target's dead letter (the event)."""
        sns_id = message.sns.get("MessageId") if message.sns is not None else None
        if self.service == SNS and sns_id == self.ids["message_id"]:
            return True
        event = _json(message.payload_text)
        if self.service == SNS:
            return _first_record(event, "Sns").get("MessageId") == self.ids["message_id"]
        if self.service == EVENTS:
            if isinstance(event, dict) and event.get("id") == self.ids["event_id"]:
                return True
            # A target with Input* delivers something else: the id then has to occur in it.
            return self.ids["event_id"] in (message.payload_text or "")
        s3 = _first_record(event, "s3")
        bucket, obj = s3.get("bucket") or {}, s3.get("object") or {}
        key = urllib.parse.unquote_plus(str(obj.get("key", "")))
        return bucket.get("name") == self.ids["bucket"] and key == self.ids["key"]

    def learn(self, message: ReceivedMessage) -> None:
        """Take the request id from a matched dead letter, when it carries one."""
        if self.request_id is None and message.request_id:
            self.request_id = message.request_id


def _json(text: str | None) -> Any:
    try:
        return json.loads(text) if text else None
    except ValueError:
        return None


def _first_record(event: Any, key: str) -> dict[str, Any]:
    if isinstance(event, dict) and isinstance(event.get("Records"), list) and event["Records"]:
        record = event["Records"][0]
        if isinstance(record, dict) and isinstance(record.get(key), dict):
            return record[key]
    return {}


# -- the three sources ------------------------------------------------------------------------


def publish_sns(
    sns_client: Any,
    topic_arn: str,
    function_name: str,
    message: str,
    *,
    subject: str | None = None,
    attributes: dict[str, dict[str, str]] | None = None,
) -> Triggered:
    """Publish to a topic the function subscribes to; ``attributes`` as Publish takes them."""
    params: dict[str, Any] = {"TopicArn": topic_arn, "Message": message}
    if subject is not None:
        params["Subject"] = subject
    if attributes:
        params["MessageAttributes"] = attributes
    at = time.time()
    message_id = sns_client.publish(**params)["MessageId"]
    ids = {"message_id": message_id, "topic_arn": topic_arn}
    return Triggered(SNS, function_name, ids, at, message.encode("utf-8"))


def put_event(
    events_client: Any,
    function_name: str,
    *,
    source: str,
    detail_type: str,
    detail: dict[str, Any],
    bus: str | None = None,
) -> Triggered:
    """PutEvents one event for a rule that targets the function; InvokeError if not ingested."""
    entry: dict[str, Any] = {
        "Source": source,
        "DetailType": detail_type,
        "Detail": json.dumps(detail),
    }
    if bus:
        entry["EventBusName"] = bus
    at = time.time()
    answer = events_client.put_events(Entries=[entry])
    (result,) = answer["Entries"]
    if answer.get("FailedEntryCount") or "EventId" not in result:
        raise InvokeError(
            f"PutEvents did not ingest the event for {function_name}: "
            f"{result.get('ErrorCode')}: {result.get('ErrorMessage')}",
            status_code=200,
            code=str(result.get("ErrorCode", "")),
        )
    ids = {"event_id": result["EventId"], "bus": bus or "default"}
    return Triggered(EVENTS, function_name, ids, at, entry["Detail"].encode("utf-8"))


def put_object(
    s3_client: Any, bucket: str, key: str, body: Payload, function_name: str
) -> Triggered:
    """PutObject into a bucket whose notification invokes the function."""
    data = encode_payload(body)
    at = time.time()
    s3_client.put_object(Bucket=bucket, Key=key, Body=data)
    return Triggered(S3, function_name, {"bucket": bucket, "key": key}, at, data)


# -- the request id, from the logs ------------------------------------------------------------


def request_id_in_logs(
    reader: LogReader, log_group: str, triggered: Triggered, *, start_ms: int | None = None
) -> str | None:
    """The request id of the attempt that logged the trigger's correlation id, if one did.

    Only platform lines carry the request id (docs/aws-behaviour.md, CloudWatch Logs): the
    attempt is the START line before the printed event in the same stream."""
    needle = triggered.correlation_id
    current: dict[str, str] = {}
    for event in reader.events(log_group, start_ms=start_ms):
        text = event.message
        if text.startswith("START RequestId: "):
            current[event.stream] = text.split()[2]
        elif needle in text and event.stream in current:
            return current[event.stream]
    return None


def lines_mentioning(
    reader: LogReader, log_group: str, triggered: Triggered, *, start_ms: int | None = None
) -> list[str]:
    """Every log line of the group that contains the trigger's correlation id."""
    needle = triggered.correlation_id
    return [e.message for e in reader.events(log_group, start_ms=start_ms) if needle in e.message]
