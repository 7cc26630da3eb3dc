"""The emulator's side of the moto seam (moto_triggers.TriggerSink): each service's delivery to
its handler, all sharing one TriggerDeliveries (the permission check, the async invoke, the
refusals)."""

from __future__ import annotations

from . import trigger_eventbridge, trigger_s3, trigger_sns
from .moto_triggers import EventBridgeDelivery, S3Delivery, SnsDelivery
from .trigger_delivery import TriggerDeliveries


class Triggers:
    def __init__(self, deliveries: TriggerDeliveries) -> None:
        self.deliveries = deliveries

    def holds(self, function_arn: str) -> bool:
        return self.deliveries.holds(function_arn)

    def sns_to_lambda(self, delivery: SnsDelivery) -> None:
        trigger_sns.deliver(self.deliveries, delivery)

    def eventbridge_to_lambda(self, delivery: EventBridgeDelivery) -> None:
        trigger_eventbridge.deliver(self.deliveries, delivery)

    def s3_to_lambda(self, delivery: S3Delivery) -> None:
        trigger_s3.deliver(self.deliveries, delivery)

    def s3_notification_problems(
        self, bucket: str, bucket_account: str, function_arns: list[str]
    ) -> list[tuple[str, str]]:
        return trigger_s3.notification_problems(
            self.deliveries, bucket, bucket_account, function_arns
        )
