"""examples/sns-dlq: applied as a user would apply it, and its async behaviour."""

from __future__ import annotations

import json

from asyncdlq.harness.aws import invoke_async, wait_for_dlq_messages

from .conftest import wait_budget_s


def test_sns_dlq_subscriber_gets_the_sns_envelope(sns_dlq, asyncdlq_clients, time_scale) -> None:
    out = sns_dlq.outputs
    # An SNS topic has no queue URL; terraform leaves null root outputs out of `output -json`.
    assert out.get("dlq_url") is None
    assert out["dlq_arn"].split(":")[2] == "sns"
    config = asyncdlq_clients.lambda_.get_function_configuration(FunctionName=out["function_name"])
    assert config["DeadLetterConfig"]["TargetArn"] == out["dlq_arn"]

    payload = b'{"key1": "value1"}'
    result = invoke_async(asyncdlq_clients.lambda_, out["function_name"], payload)
    assert result.status_code == 202

    (message,) = wait_for_dlq_messages(
        asyncdlq_clients.sqs,
        out["subscriber_queue_url"],
        1,
        timeout_s=wait_budget_s(out, time_scale),
    )
    # raw_message_delivery = false: the body is SNS's JSON envelope.
    envelope = json.loads(message["Body"])
    assert envelope["Type"] == "Notification"
    assert envelope["TopicArn"] == out["dlq_arn"]
    assert envelope["Message"] == payload.decode()  # the original payload, as sent
    assert not envelope.get("Subject")  # facts §3: Publish without a Subject
    assert envelope["MessageAttributes"] == {
        "RequestID": {"Type": "String", "Value": result.request_id},
        "ErrorCode": {"Type": "Number", "Value": "200"},
        "ErrorMessage": {"Type": "String", "Value": "Something went wrong"},
    }


def test_sns_dlq_plan_after_apply_is_empty(sns_dlq) -> None:
    assert sns_dlq.stack.plan_exit_code() == 0
