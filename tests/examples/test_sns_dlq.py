"""examples/sns-dlq: applied as a user would apply it, and its async behaviour."""

from __future__ import annotations

import json


def test_sns_dlq_subscriber_gets_the_sns_envelope(
    sns_dlq, asyncdlq_clients, asyncdlq_invoke, asyncdlq_messages
) -> None:
    out = sns_dlq.outputs
    # An SNS topic has no queue URL; terraform leaves null root outputs out of `output -json`.
    assert out.get("dlq_url") is None
    assert out["dlq_arn"].split(":")[2] == "sns"
    config = asyncdlq_clients.lambda_.get_function_configuration(FunctionName=out["function_name"])
    assert config["DeadLetterConfig"]["TargetArn"] == out["dlq_arn"]

    payload = b'{"key1": "value1"}'
    invocation = asyncdlq_invoke(out["function_name"], payload)
    assert invocation.status_code == 202

    # Matched on the RequestID in the envelope's MessageAttributes.
    match = asyncdlq_messages.wait_for(out["subscriber_queue_url"], invocation)
    (message,) = match.messages
    assert match.unexplained_duplicates == []  # a redelivery is reported, not failed
    # raw_message_delivery = false: the body is SNS's JSON envelope.
    envelope = json.loads(message.body)
    assert message.sns == envelope
    assert envelope["Type"] == "Notification"
    assert envelope["TopicArn"] == out["dlq_arn"]
    assert envelope["Message"] == payload.decode()  # the original payload, as sent
    # docs/aws-behaviour.md, Dead-letter queues: Publish without a Subject
    assert not envelope.get("Subject")
    assert envelope["MessageAttributes"] == {
        "RequestID": {"Type": "String", "Value": invocation.request_id},
        "ErrorCode": {"Type": "Number", "Value": "200"},
        "ErrorMessage": {"Type": "String", "Value": "Something went wrong"},
    }


def test_sns_dlq_plan_after_apply_is_empty(sns_dlq) -> None:
    assert sns_dlq.stack.plan_exit_code() == 0
