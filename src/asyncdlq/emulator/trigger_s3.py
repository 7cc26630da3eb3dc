"""S3 hands an object event to a function its bucket notification names.

S3 checks at PutBucketNotificationConfiguration that it may invoke every function named: one that
does not exist or whose policy has no statement for s3.amazonaws.com from the bucket (and its
owner's account) fails the whole call with 400 InvalidArgument "Unable to validate the following
destination configurations". After that, each matching object event is invoked asynchronously
with S3's record (trigger_events.s3_object_event). If the permission goes later, Lambda refuses
the invoke; what S3 does then is not documented, and the emulator drops the event and keeps the
refusal (docs/aws-behaviour.md, Triggers that invoke asynchronously: refusals).
"""

from __future__ import annotations

import datetime as _dt
import itertools
import json
import uuid

from .moto_triggers import S3Delivery
from .trigger_delivery import Delivered, TriggerDeliveries
from .trigger_events import s3_object_event
from .trigger_sources import S3, TriggerSource

NOT_AUTHORIZED = "Not authorized to invoke function [{arn}]"

# S3's sequencer orders the events of one key; a process-wide counter keeps them increasing.
_SEQUENCE = itertools.count(1)


def bucket_arn(bucket: str) -> str:
    return f"arn:aws:s3:::{bucket}"


def source_of(delivery: S3Delivery) -> TriggerSource:
    ids = {"bucket": delivery.bucket, "key": delivery.key, "event_name": delivery.event_name}
    return TriggerSource(S3, bucket_arn(delivery.bucket), delivery.account_id, ids)


def deliver(deliveries: TriggerDeliveries, delivery: S3Delivery) -> None:
    source = source_of(delivery)
    # principalId, sourceIPAddress and the request ids name S3's caller, whom moto does not pass
    # on: placeholders of AWS's form (docs/aws-behaviour.md, Triggers that invoke
    # asynchronously: refusals, Emulator differences).
    event = s3_object_event(
        event_name=delivery.event_name,
        region=delivery.region,
        event_time=_dt.datetime.fromtimestamp(deliveries.now(), _dt.timezone.utc),
        principal_id=f"AWS:{delivery.account_id}",
        source_ip="127.0.0.1",
        request_id=uuid.uuid4().hex[:16].upper(),
        host_id=uuid.uuid4().hex,
        configuration_id=delivery.configuration_id,
        bucket=delivery.bucket,
        bucket_owner_id=delivery.account_id,
        key=delivery.key,
        sequencer=f"{next(_SEQUENCE):018X}",
        size=delivery.size,
        etag=delivery.etag,
        version_id=delivery.version_id,
    )
    outcome = deliveries.invoke(source, delivery.function_arn, json.dumps(event).encode())
    if isinstance(outcome, Delivered):
        return
    then = "dropped (what S3 does after Lambda refuses is not documented)"
    deliveries.refuse(source, delivery.function_arn, outcome.reason, then)


def notification_problems(
    deliveries: TriggerDeliveries, bucket: str, bucket_account: str, function_arns: list[str]
) -> list[tuple[str, str]]:
    """S3's ArgumentName1/ArgumentValue1 for each function it may not invoke: ``"<arn>, null"``
    and ``Not authorized to invoke function [<arn>]``, a missing function included."""
    problems = []
    for arn in function_arns:
        probe = TriggerSource(S3, bucket_arn(bucket), bucket_account, {"bucket": bucket})
        decision = deliveries.decide(probe, arn)
        if not decision.allowed:
            problems.append((f"{arn}, null", NOT_AUTHORIZED.format(arn=arn)))
    return problems
