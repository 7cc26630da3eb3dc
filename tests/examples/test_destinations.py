"""examples/destinations: applied as a user would apply it, and its async behaviour."""

from __future__ import annotations

from typing import Any

from asyncdlq.client.messages import ReceivedMessage

from .conftest import RECORD_KEYS_WITH_RESPONSE, assert_dead_letter


def _sqs_record(message: ReceivedMessage) -> dict[str, Any]:
    """docs/aws-behaviour.md, Destinations and dead-letter targets: on an SQS destination the body
    is the record itself, with no attributes."""
    assert message.sns is None
    assert message.message_attributes == {}
    assert message.record is not None
    return message.record


def test_destinations_success_record(destinations, asyncdlq_invoke, asyncdlq_messages) -> None:
    out = destinations.outputs
    invocation = asyncdlq_invoke(out["function_name"], b'{"key1": "v"}')
    assert invocation.status_code == 202

    # Matched on the record's requestContext.requestId.
    match = asyncdlq_messages.wait_for(out["on_success_queue_url"], invocation)
    (message,) = match.messages
    assert match.unexplained_duplicates == []  # a redelivery is reported, not failed
    record = _sqs_record(message)
    assert list(record) == RECORD_KEYS_WITH_RESPONSE
    assert record["version"] == "1.0"
    assert record["requestContext"] == {
        "requestId": invocation.request_id,
        "functionArn": f"{out['function_arn']}:$LATEST",
        "condition": "Success",
        "approximateInvokeCount": 1,
    }
    assert record["requestPayload"] == {"key1": "v"}
    assert record["responseContext"] == {"statusCode": 200, "executedVersion": "$LATEST"}
    assert record["responsePayload"] == "v"


def test_destinations_failure_record_and_dlq(
    destinations, asyncdlq_invoke, asyncdlq_messages
) -> None:
    out = destinations.outputs
    payload = b"{}"  # no key1: the handler raises KeyError
    invocation = asyncdlq_invoke(out["function_name"], payload)
    assert invocation.status_code == 202

    match = asyncdlq_messages.wait_for(out["on_failure_queue_url"], invocation)
    (message,) = match.messages
    assert match.unexplained_duplicates == []  # a redelivery is reported, not failed
    record = _sqs_record(message)
    assert list(record) == RECORD_KEYS_WITH_RESPONSE
    assert record["requestContext"] == {
        "requestId": invocation.request_id,
        "functionArn": f"{out['function_arn']}:$LATEST",
        "condition": "RetriesExhausted",
        "approximateInvokeCount": 1 + int(out["maximum_retry_attempts"]),
    }
    assert record["requestPayload"] == {}
    assert record["responseContext"] == {
        "statusCode": 200,
        "executedVersion": "$LATEST",
        "functionError": "Unhandled",
    }
    assert record["responsePayload"]["errorType"] == "KeyError"
    assert record["responsePayload"]["errorMessage"] == "'key1'"

    # docs/aws-behaviour.md, Dead-letter queues: with both a DLQ and an on-failure destination, both
    # receive the failure.
    match = asyncdlq_messages.wait_for(out["dlq_url"], invocation)
    (dead,) = match.messages
    assert match.unexplained_duplicates == []  # a redelivery is reported, not failed
    assert_dead_letter(dead, payload, invocation.request_id, "'key1'")


def test_destinations_plan_after_apply_is_empty(destinations) -> None:
    assert destinations.stack.plan_exit_code() == 0
