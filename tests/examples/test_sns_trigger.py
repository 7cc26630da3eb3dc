"""examples/sns-trigger: a topic invokes the failing function; without the permission SNS
redrives the message to the subscription's DLQ and the function never runs.

Every expected value is what AWS does (docs/aws-behaviour.md, Triggers that invoke
asynchronously: event shapes; Triggers that invoke asynchronously: refusals), so the module runs
unchanged on TARGET=aws.
"""

from __future__ import annotations

import json

import pytest

from .conftest import assert_triggered_dead_letter, without_permission


def test_sns_trigger_failure_lands_in_the_function_dlq(
    sns_trigger, asyncdlq_trigger, asyncdlq_messages, asyncdlq_timeline
) -> None:
    out = sns_trigger.outputs
    message = '{"order": "o-1001"}'
    attributes = {"kind": {"DataType": "String", "StringValue": "order"}}
    triggered = asyncdlq_trigger.sns(
        out["topic_arn"], out["function_name"], message, subject="new order", attributes=attributes
    )

    match = asyncdlq_messages.wait_for(out["dlq_url"], triggered)
    (dead,) = match.messages
    assert match.unexplained_duplicates == []  # a redelivery is reported, not failed
    # The dead letter's body is the event Lambda received: SNS's record, not its envelope.
    assert dead.sns is None
    (record,) = json.loads(dead.body)["Records"]
    assert record["EventSource"] == "aws:sns"
    assert record["EventSubscriptionArn"] == out["subscription_arn"]
    sns = record["Sns"]
    assert sns["Type"] == "Notification"
    assert sns["MessageId"] == triggered.ids["message_id"]
    assert sns["TopicArn"] == out["topic_arn"]
    assert sns["Message"] == message
    assert sns["Subject"] == "new order"
    assert sns["MessageAttributes"] == {"kind": {"Type": "String", "Value": "order"}}

    assert_triggered_dead_letter(dead, triggered, out, asyncdlq_timeline)


def test_sns_trigger_without_permission_redrives_and_never_runs(
    sns_trigger,
    asyncdlq_clients,
    asyncdlq_trigger,
    asyncdlq_messages,
    asyncdlq_logs,
    asyncdlq_deadlines,
) -> None:
    out = sns_trigger.outputs
    with without_permission(asyncdlq_clients.lambda_, out["trigger_permission"]):
        message = '{"order": "o-1002"}'
        triggered = asyncdlq_trigger.sns(out["topic_arn"], out["function_name"], message)

        # A client-side delivery failure: not retried, the envelope goes to the redrive queue.
        match = asyncdlq_messages.wait_for(out["subscription_dlq_url"], triggered)
        (redriven,) = match.messages
        envelope = json.loads(redriven.body)
        assert envelope["Type"] == "Notification"
        assert envelope["MessageId"] == triggered.ids["message_id"]
        assert envelope["TopicArn"] == out["topic_arn"]
        assert envelope["Message"] == message

        # Nothing reached the function: no dead letter within the time its first attempt's log
        # lines would take to be readable, and no line names the message.
        with pytest.raises(TimeoutError):
            asyncdlq_messages.wait_for(out["dlq_url"], triggered, timeout_s=asyncdlq_deadlines.logs)
        assert asyncdlq_logs.lines_mentioning(triggered) == []


def test_sns_trigger_plan_after_apply_is_empty(sns_trigger) -> None:
    assert sns_trigger.stack.plan_exit_code() == 0
