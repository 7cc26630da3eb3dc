"""SNS hands a published message to a subscribed function (protocol ``lambda``).

Lambda queues the record SNS builds (trigger_events.sns_event) and retries the function as for
any async event. When Lambda refuses the invoke (no statement for sns.amazonaws.com from the
topic), SNS has a client-side error: it does not retry, counts NumberOfNotificationsFailed and,
if the subscription has a redrive policy whose queue's policy lets SNS send, moves the message
(SNS's JSON envelope, no SQS message attributes) to that dead-letter queue
(docs/aws-behaviour.md, Triggers that invoke asynchronously: refusals).
"""

from __future__ import annotations

import datetime as _dt
import json

from ..aws.arn import Arn
from .moto_triggers import SnsDelivery
from .trigger_delivery import Delivered, TriggerDeliveries
from .trigger_events import sns_event
from .trigger_sources import SNS, TriggerSource

NAMESPACE = "AWS/SNS"


def source_of(delivery: SnsDelivery) -> TriggerSource:
    ids = {"message_id": delivery.message_id, "subscription_arn": delivery.subscription_arn}
    return TriggerSource(SNS, delivery.topic_arn, delivery.account_id, ids)


def deliver(deliveries: TriggerDeliveries, delivery: SnsDelivery) -> None:
    source = source_of(delivery)
    event = sns_event(
        subscription_arn=delivery.subscription_arn,
        topic_arn=delivery.topic_arn,
        message_id=delivery.message_id,
        message=delivery.message,
        timestamp=_dt.datetime.fromtimestamp(deliveries.now(), _dt.timezone.utc),
        subject=delivery.subject,
        message_attributes=delivery.attributes,
    )
    outcome = deliveries.invoke(source, delivery.function_arn, json.dumps(event).encode())
    if isinstance(outcome, Delivered):
        return
    topic = {"TopicName": Arn.parse(delivery.topic_arn).name}

    def count(metric: str) -> None:
        deliveries.put_metric(delivery.account_id, delivery.region, NAMESPACE, metric, topic)

    count("NumberOfNotificationsFailed")
    then = "dropped: the subscription has no redrive policy (dead-letter queue)"
    target = delivery.redrive_dead_letter_arn
    if target:
        failed = deliveries.send_to_own_dead_letter(source, target, delivery.envelope, None)
        if failed is None:
            count("NumberOfNotificationsRedrivenToDlq")
            then = f"sent to the subscription's dead-letter queue {target}"
        else:
            count("NumberOfNotificationsFailedToRedriveToDlq")
            then = f"dropped: the redrive to {target} failed: {failed}"
    deliveries.refuse(source, delivery.function_arn, outcome.reason, then)
