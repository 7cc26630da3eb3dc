"""The moto internals moto_triggers.py replaces and reads, checked name by name so that a moto
upgrade that moves them fails here; and the seam's routing between emulators."""

from __future__ import annotations

import inspect
from typing import Any

from moto.events.models import EventPattern, Rule
from moto.s3 import notifications
from moto.s3.models import S3Backend, s3_backends
from moto.sns.models import Subscription

from asyncdlq.emulator import moto_triggers


def test_sns_subscription_publish_has_the_signature_the_seam_replaces() -> None:
    publish = moto_triggers._ORIGINALS.get("publish", Subscription.publish)
    assert list(inspect.signature(publish).parameters) == [
        "self",
        "message",
        "message_id",
        "subject",
        "message_attributes",
        "group_id",
        "deduplication_id",
        "message_structure",
    ]
    source = inspect.getsource(publish)
    assert "self._filter_policy_matcher" in source and "_parse_message_structure" in source
    assert 'self.protocol == "lambda"' in source  # the branch the seam takes over
    assert "message_attributes" in inspect.signature(Subscription.get_post_data).parameters


def test_eventbridge_rules_send_to_targets_as_the_seam_expects() -> None:
    send = moto_triggers._ORIGINALS.get("send_to_targets", Rule.send_to_targets)
    assert list(inspect.signature(send).parameters) == ["self", "original_event", "transform_input"]
    assert "self.event_pattern.matches_event" in inspect.getsource(send)
    rule = Rule(
        "r", "123456789012", "us-east-1", None, None, "rate(1 minute)", None, "default", None
    )
    assert rule.state == "ENABLED" and rule.event_pattern.dump() is None
    assert rule.arn == "arn:aws:events:us-east-1:123456789012:rule/r"
    assert hasattr(EventPattern, "matches_event")


def test_s3_hands_lambda_notifications_to_invoke_awslambda() -> None:
    invoke = moto_triggers._ORIGINALS.get("invoke_awslambda", notifications._invoke_awslambda)
    assert list(inspect.signature(invoke).parameters) == [
        "account_id",
        "event_body",
        "fn_arn",
        "region_name",
    ]
    assert "_invoke_awslambda(account_id, event_body, notification.arn" in inspect.getsource(
        notifications.send_event
    )
    put = moto_triggers._ORIGINALS.get(
        "put_notification", S3Backend.put_bucket_notification_configuration
    )
    assert list(inspect.signature(put).parameters) == ["self", "bucket_name", "notification_config"]
    assert isinstance(s3_backends.bucket_accounts, dict)


class _Sink:
    def __init__(self, functions: set[str]) -> None:
        self.functions = functions
        self.got: list[Any] = []

    def holds(self, function_arn: str) -> bool:
        return function_arn in self.functions

    def sns_to_lambda(self, delivery: Any) -> None:
        self.got.append(delivery)

    eventbridge_to_lambda = s3_to_lambda = sns_to_lambda

    def s3_notification_problems(self, *args: Any) -> list[tuple[str, str]]:
        return []


def test_deliveries_go_to_the_emulator_that_holds_the_function_else_the_newest() -> None:
    first, second = _Sink({"arn:f1"}), _Sink({"arn:f2"})
    moto_triggers.install(first)
    moto_triggers.install(second)
    try:
        assert moto_triggers._sink_for("arn:f1") is first
        assert moto_triggers._sink_for("arn:f2") is second
        assert moto_triggers._sink_for("arn:unknown") is second
    finally:
        moto_triggers.uninstall(second)
        moto_triggers.uninstall(first)


def test_the_seam_is_counted_and_the_last_uninstall_restores_what_was_there() -> None:
    def current() -> tuple[Any, ...]:
        return (
            Subscription.publish,
            Rule.send_to_targets,
            notifications._invoke_awslambda,
            S3Backend.put_bucket_notification_configuration,
        )

    before, was_installed = current(), moto_triggers.installed()
    sink = _Sink(set())
    moto_triggers.install(sink)
    during = current()
    assert during[0].__module__ == moto_triggers.__name__
    assert all(fn.__module__ == moto_triggers.__name__ for fn in during)
    moto_triggers.uninstall(sink)
    assert current() == before  # moto's own again, or the session emulator's seam kept
    assert moto_triggers.installed() == was_installed
