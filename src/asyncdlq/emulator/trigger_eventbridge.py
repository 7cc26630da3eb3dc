"""An EventBridge rule hands a matched event to a Lambda target.

The target receives the event, or what its Input, InputPath or InputTransformer make of it
(trigger_events.py), and Lambda retries the function as for any async event. When Lambda refuses
the invoke (no statement for events.amazonaws.com from the rule) or the function is gone,
EventBridge does not retry whatever the target's RetryPolicy says: it counts the invocation as
failed and sends the event to the target's dead-letter queue, if it has one whose policy lets
EventBridge send, with RULE_ARN, TARGET_ARN, ERROR_CODE, ERROR_MESSAGE and RETRY_ATTEMPTS
(docs/aws-behaviour.md, Triggers that invoke asynchronously: refusals). PutEvents has succeeded
already: it only reports ingestion.
"""

from __future__ import annotations

import json
from typing import Any

from ..aws.arn import Arn
from .moto_triggers import EventBridgeDelivery
from .trigger_delivery import Delivered, TriggerDeliveries
from .trigger_events import InputTemplateError, eventbridge_event, eventbridge_target_input
from .trigger_sources import EVENTS, TriggerSource

NAMESPACE = "AWS/Events"
NO_PERMISSIONS = "NO_PERMISSIONS"
NO_RESOURCE = "NO_RESOURCE"
INVALID_JSON = "INVALID_JSON"


def source_of(delivery: EventBridgeDelivery) -> TriggerSource:
    ids = {"event_id": delivery.event_id, "target_id": str(delivery.target.get("Id", ""))}
    return TriggerSource(EVENTS, delivery.rule_arn, delivery.account_id, ids)


def envelope_of(delivery: EventBridgeDelivery) -> dict[str, Any]:
    return eventbridge_event(
        event_id=delivery.event_id,
        detail_type=delivery.detail_type,
        source=delivery.source,
        account=delivery.account_id,
        time=delivery.time,
        region=delivery.region,
        resources=delivery.resources,
        detail=delivery.detail,
    )


def deliver(deliveries: TriggerDeliveries, delivery: EventBridgeDelivery) -> None:
    source, target = source_of(delivery), delivery.target
    function_arn = str(target["Arn"])
    envelope = envelope_of(delivery)
    rule = {"RuleName": Arn.parse(delivery.rule_arn).name}

    def count(metric: str) -> None:
        deliveries.put_metric(delivery.account_id, delivery.region, NAMESPACE, metric, rule)

    count("Invocations")
    try:
        payload = eventbridge_target_input(
            envelope,
            input=target.get("Input"),
            input_path=target.get("InputPath"),
            input_transformer=target.get("InputTransformer"),
            rule_arn=delivery.rule_arn,
        )
    except InputTemplateError as exc:
        code, reason = INVALID_JSON, f"the target's input is not deliverable: {exc}"
    else:
        outcome = deliveries.invoke(source, function_arn, payload.encode())
        if isinstance(outcome, Delivered):
            return
        reason = outcome.reason
        code = NO_RESOURCE if reason.endswith("does not exist") else NO_PERMISSIONS
    count("FailedInvocations")
    then = "dropped: the target has no dead-letter queue"
    queue_arn = (target.get("DeadLetterConfig") or {}).get("Arn")
    if queue_arn:
        attributes = dead_letter_attributes(delivery, code, reason)
        failed = deliveries.send_to_own_dead_letter(
            source, queue_arn, json.dumps(envelope), attributes
        )
        if failed is None:
            count("InvocationsSentToDlq")
            then = f"sent to the target's dead-letter queue {queue_arn} ({code})"
        else:
            count("InvocationsFailedToBeSentToDlq")
            then = f"dropped: sending to the target's dead-letter queue failed: {failed}"
    deliveries.refuse(source, function_arn, reason, then)


def dead_letter_attributes(
    delivery: EventBridgeDelivery, code: str, message: str
) -> dict[str, dict[str, str]]:
    """The DLQ message's attributes; an error not retried has no exhausted retry condition."""
    values = {
        "RULE_ARN": delivery.rule_arn,
        "TARGET_ARN": str(delivery.target["Arn"]),
        "ERROR_CODE": code,
        "ERROR_MESSAGE": message,
        "RETRY_ATTEMPTS": "0",
    }
    return {name: {"DataType": "String", "StringValue": value} for name, value in values.items()}
