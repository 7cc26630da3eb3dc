"""The seam where moto's SNS, EventBridge and S3 hand a Lambda delivery to the emulator.

moto delivers to Lambda through its own Lambda backend, which never holds the emulator's
functions: SNS answered Publish with a Lambda error, EventBridge raised NotImplementedError (a 500)
and S3 dropped the event. While an emulator runs, four moto methods are replaced:
``Subscription.publish`` (lambda protocol), ``Rule.send_to_targets`` (Lambda targets),
``s3.notifications._invoke_awslambda`` and ``S3Backend.put_bucket_notification_configuration``.
Each turns what moto knows into plain data (the dataclasses below) and gives it to the
``TriggerSink`` of the emulator that holds the function; every other protocol, target and
notification stays moto's. Like moto_sqs.py this is moto internals, checked name by name in
tests/emulator/test_moto_triggers.py, so an upgrade that moves them fails there.
"""

from __future__ import annotations

import base64
import copy
import datetime as _dt
import json
import logging
import threading
import urllib.parse
import uuid
from dataclasses import dataclass
from typing import Any, Callable, Protocol
from xml.sax.saxutils import escape

from moto.events.models import Rule
from moto.s3 import notifications as s3_notifications
from moto.s3.models import S3Backend, s3_backends
from moto.sns.models import Subscription
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SnsDelivery:
    account_id: str  # the topic's
    region: str
    topic_arn: str
    subscription_arn: str
    function_arn: str  # the subscription's endpoint
    message_id: str
    message: str  # after MessageStructure=json picked the lambda (or default) text
    subject: str | None
    # Publish's MessageAttributes as the API takes them: {name: {DataType, StringValue}}; a
    # binary value is already base64 text.
    attributes: dict[str, dict[str, str]]
    redrive_dead_letter_arn: str | None  # the subscription's RedrivePolicy deadLetterTargetArn
    envelope: str  # SNS's JSON envelope of the message, what a redrive DLQ receives


@dataclass(frozen=True)
class EventBridgeDelivery:
    account_id: str  # the rule's
    region: str
    rule_arn: str
    target: dict[str, Any]  # as PutTargets stored it: Id, Arn, Input*, DeadLetterConfig, ...
    event_id: str
    source: str
    detail_type: str
    time: _dt.datetime
    resources: list[str]
    detail: Any


@dataclass(frozen=True)
class S3Delivery:
    account_id: str  # the bucket owner's
    region: str
    bucket: str
    key: str  # as stored (not URL-encoded)
    event_name: str  # without "s3:", e.g. ObjectCreated:Put
    configuration_id: str
    function_arn: str
    size: int | None
    etag: str | None
    version_id: str | None


class TriggerSink(Protocol):
    def holds(self, function_arn: str) -> bool: ...

    def sns_to_lambda(self, delivery: SnsDelivery) -> None: ...

    def eventbridge_to_lambda(self, delivery: EventBridgeDelivery) -> None: ...

    def s3_to_lambda(self, delivery: S3Delivery) -> None: ...

    # (bucket, bucket owner, function ARNs) -> [(function ARN, why S3 cannot invoke it)]
    def s3_notification_problems(
        self, bucket: str, bucket_account: str, function_arns: list[str]
    ) -> list[tuple[str, str]]: ...


class InvalidNotificationTarget(HTTPException):
    """S3's 400 InvalidArgument when a notification's function may not be invoked by S3, with
    the numbered ArgumentName1/ArgumentValue1 elements AWS sends (docs/aws-behaviour.md,
    Triggers that invoke asynchronously: refusals). moto's serializer writes only the members
    its error model knows, so the body is written here; Flask answers with it."""

    code = 400

    def __init__(self, message: str, argument_name: str, argument_value: str) -> None:
        super().__init__(message)
        self.message, self.argument_name, self.argument_value = (
            message,
            argument_name,
            argument_value,
        )
        self.request_id = uuid.uuid4().hex[:16].upper()

    def get_body(self, environ: Any = None, scope: Any = None) -> str:
        fields = [
            ("Code", "InvalidArgument"),
            ("Message", self.message),
            ("ArgumentName1", self.argument_name),
            ("ArgumentValue1", self.argument_value),
            ("RequestId", self.request_id),
            ("HostId", base64.b64encode(uuid.uuid4().bytes * 2).decode()),
        ]
        inner = "".join(f"<{tag}>{escape(value)}</{tag}>" for tag, value in fields)
        return f'<?xml version="1.0" encoding="UTF-8"?>\n<Error>{inner}</Error>'

    def get_headers(self, environ: Any = None, scope: Any = None) -> list[tuple[str, str]]:
        return [("Content-Type", "application/xml"), ("x-amz-request-id", self.request_id)]


# -- the sinks of the emulators running in this process ------------------------------------------

_LOCK = threading.Lock()
_SINKS: list[TriggerSink] = []
_ORIGINALS: dict[str, Callable[..., Any]] = {}


def install(sink: TriggerSink) -> None:
    """Route moto's Lambda deliveries to ``sink`` (replacing moto's methods on the first)."""
    with _LOCK:
        _SINKS.append(sink)
        if len(_SINKS) == 1:
            _ORIGINALS["publish"] = Subscription.publish
            _ORIGINALS["send_to_targets"] = Rule.send_to_targets
            _ORIGINALS["invoke_awslambda"] = s3_notifications._invoke_awslambda
            _ORIGINALS["put_notification"] = S3Backend.put_bucket_notification_configuration
            Subscription.publish = _sns_publish  # type: ignore[method-assign]
            Rule.send_to_targets = _send_to_targets  # type: ignore[method-assign]
            s3_notifications._invoke_awslambda = _s3_invoke_lambda
            S3Backend.put_bucket_notification_configuration = _put_notification  # type: ignore[method-assign]


def uninstall(sink: TriggerSink) -> None:
    """Stop routing to ``sink``; moto's own methods come back with the last one."""
    with _LOCK:
        if sink in _SINKS:
            _SINKS.remove(sink)
        if not _SINKS and _ORIGINALS:
            Subscription.publish = _ORIGINALS.pop("publish")  # type: ignore[method-assign]
            Rule.send_to_targets = _ORIGINALS.pop("send_to_targets")  # type: ignore[method-assign]
            s3_notifications._invoke_awslambda = _ORIGINALS.pop("invoke_awslambda")
            S3Backend.put_bucket_notification_configuration = _ORIGINALS.pop("put_notification")  # type: ignore[method-assign]


def installed() -> bool:
    return bool(_SINKS)


def _sink_for(function_arn: str) -> TriggerSink | None:
    """The emulator whose Lambda holds the function, else the newest (it reports it missing)."""
    with _LOCK:
        sinks = list(reversed(_SINKS))
    for sink in sinks:
        if sink.holds(function_arn):
            return sink
    return sinks[0] if sinks else None


def _deliver(what: str, function_arn: str, hand: Callable[[TriggerSink], None]) -> None:
    # On AWS the source's call (Publish, PutEvents, PutObject) succeeds whatever the delivery
    # does; an error of the emulator's here is logged, never the caller's answer.
    sink = _sink_for(function_arn)
    if sink is None:
        return
    try:
        hand(sink)
    except Exception:
        log.exception("%s delivery to %s failed inside the emulator", what, function_arn)


# -- SNS -------------------------------------------------------------------------------------------


def _sns_publish(
    subscription: Subscription,
    message: str,
    message_id: str,
    subject: str | None = None,
    message_attributes: dict[str, Any] | None = None,
    group_id: str | None = None,
    deduplication_id: str | None = None,
    message_structure: str | None = None,
) -> None:
    if subscription.protocol != "lambda":
        return _ORIGINALS["publish"](
            subscription,
            message,
            message_id,
            subject=subject,
            message_attributes=message_attributes,
            group_id=group_id,
            deduplication_id=deduplication_id,
            message_structure=message_structure,
        )
    matcher = subscription._filter_policy_matcher
    if matcher is not None and not matcher.matches(message_attributes, message):
        return None
    if message_structure == "json":
        message = subscription._parse_message_structure(message, subscription.protocol)
    attributes = {
        name: {"DataType": value["Type"], "StringValue": str(value["Value"])}
        for name, value in (message_attributes or {}).items()
    }
    redrive = _json(subscription.attributes.get("RedrivePolicy"))
    delivery = SnsDelivery(
        account_id=subscription.account_id,
        region=subscription.topic.arn.split(":")[3],
        topic_arn=subscription.topic.arn,
        subscription_arn=subscription.arn,
        function_arn=subscription.endpoint,
        message_id=message_id,
        message=message,
        subject=subject,
        attributes=attributes,
        redrive_dead_letter_arn=redrive.get("deadLetterTargetArn") if redrive else None,
        # As moto writes it for an SQS subscription without raw delivery.
        envelope=json.dumps(
            subscription.get_post_data(
                message, message_id, subject, message_attributes=message_attributes
            ),
            sort_keys=True,
            indent=2,
            separators=(",", ": "),
        ),
    )
    _deliver("SNS", subscription.endpoint, lambda sink: sink.sns_to_lambda(delivery))
    return None


def _json(text: Any) -> dict[str, Any] | None:
    if isinstance(text, dict):
        return text
    try:
        value = json.loads(text) if text else None
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


# -- EventBridge -----------------------------------------------------------------------------------


def _send_to_targets(
    rule: Rule, original_event: dict[str, Any], transform_input: bool = True
) -> None:
    lambdas = [t for t in rule.targets if str(t.get("Arn", "")).split(":")[2:3] == ["lambda"]]
    if lambdas and _rule_fires(rule, original_event):
        for target in lambdas:
            delivery = _eventbridge_delivery(rule, target, original_event)
            arn = str(target["Arn"])
            _deliver("EventBridge", arn, lambda sink, d=delivery: sink.eventbridge_to_lambda(d))
    others = [t for t in rule.targets if t not in lambdas]
    if others and rule.state == "ENABLED":
        rest = copy.copy(rule)
        rest.targets = others
        _ORIGINALS["send_to_targets"](rest, original_event, transform_input)


def _rule_fires(rule: Rule, event: dict[str, Any]) -> bool:
    # A disabled rule matches nothing, and a schedule-only rule (no pattern) matches no event
    # put on the bus (docs/aws-behaviour.md, Triggers that invoke asynchronously).
    if rule.state != "ENABLED" or not rule.event_pattern.dump():
        return False
    return bool(rule.event_pattern.matches_event(event))


def _eventbridge_delivery(
    rule: Rule, target: dict[str, Any], event: dict[str, Any]
) -> EventBridgeDelivery:
    when = event.get("time")
    if isinstance(when, (int, float)):
        time = _dt.datetime.fromtimestamp(when, _dt.timezone.utc)
    elif isinstance(when, _dt.datetime):
        time = when
    else:
        time = _dt.datetime.now(_dt.timezone.utc)
    return EventBridgeDelivery(
        account_id=rule.account_id,
        region=rule.region_name,
        rule_arn=rule.arn,
        target=copy.deepcopy(target),
        event_id=str(event.get("id", "")),
        source=str(event.get("source", "")),
        detail_type=str(event.get("detail-type", "")),
        time=time,
        resources=list(event.get("resources") or []),
        detail=copy.deepcopy(event.get("detail")),
    )


# -- S3 --------------------------------------------------------------------------------------------


def _s3_invoke_lambda(account_id: str, event_body: Any, fn_arn: str, region_name: str) -> None:
    record = event_body["Records"][0]
    s3 = record["s3"]
    bucket, key = s3["bucket"]["name"], urllib.parse.unquote_plus(s3["object"]["key"])
    delivery = S3Delivery(
        account_id=account_id,
        region=record.get("awsRegion") or region_name,
        bucket=bucket,
        key=key,
        event_name=record["eventName"],
        configuration_id=s3.get("configurationId", ""),
        function_arn=fn_arn,
        size=s3["object"].get("size"),
        etag=s3["object"].get("eTag"),
        version_id=_version_of(bucket, key),
    )
    _deliver("S3", fn_arn, lambda sink: sink.s3_to_lambda(delivery))


def _version_of(bucket_name: str, key: str) -> str | None:
    """The object's version id in a versioned bucket (S3 sends none for an unversioned one)."""
    located = s3_backends.bucket_accounts.get(bucket_name)
    if located is None:
        return None
    partition, account_id = located
    bucket = s3_backends[account_id][partition].buckets.get(bucket_name)
    if bucket is None or not bucket.is_versioned:
        return None
    found = bucket.keys.get(key)
    return str(found.version_id) if found is not None and found.version_id else None


def _put_notification(
    backend: S3Backend, bucket_name: str, notification_config: dict[str, Any]
) -> None:
    bucket = backend.get_bucket(bucket_name)
    arns = [
        str(c["CloudFunction"]) for c in notification_config.get("CloudFunctionConfiguration") or []
    ]
    problems: list[tuple[str, str]] = []
    for arn in dict.fromkeys(arns):
        sink = _sink_for(arn)
        if sink is not None:
            problems.extend(sink.s3_notification_problems(bucket_name, bucket.account_id, [arn]))
    if problems:
        # docs/aws-behaviour.md, Resource-based permissions for triggers: the whole configuration
        # is refused and the bucket keeps its previous one.
        name, value = problems[0]
        raise InvalidNotificationTarget(
            "Unable to validate the following destination configurations", name, value
        )
    _ORIGINALS["put_notification"](backend, bucket_name, notification_config)
