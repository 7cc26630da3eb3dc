"""examples/destinations: applied as a user would apply it, and its async behaviour."""

from __future__ import annotations

import json

from asyncdlq.harness.aws import invoke_async, wait_for_dlq_messages

from .conftest import RECORD_KEYS_WITH_RESPONSE, assert_dead_letter, wait_budget_s


def test_destinations_success_record(destinations, asyncdlq_clients, time_scale) -> None:
    out = destinations.outputs
    result = invoke_async(asyncdlq_clients.lambda_, out["function_name"], b'{"key1": "v"}')
    assert result.status_code == 202

    (message,) = wait_for_dlq_messages(
        asyncdlq_clients.sqs,
        out["on_success_queue_url"],
        1,
        timeout_s=wait_budget_s(out, time_scale),
    )
    assert not message.get("MessageAttributes")  # facts §4: SQS records carry none
    record = json.loads(message["Body"])
    assert list(record) == RECORD_KEYS_WITH_RESPONSE
    assert record["version"] == "1.0"
    assert record["requestContext"] == {
        "requestId": result.request_id,
        "functionArn": f"{out['function_arn']}:$LATEST",
        "condition": "Success",
        "approximateInvokeCount": 1,
    }
    assert record["requestPayload"] == {"key1": "v"}
    assert record["responseContext"] == {"statusCode": 200, "executedVersion": "$LATEST"}
    assert record["responsePayload"] == "v"


def test_destinations_failure_record_and_dlq(destinations, asyncdlq_clients, time_scale) -> None:
    out = destinations.outputs
    payload = b"{}"  # no key1: the handler raises KeyError
    result = invoke_async(asyncdlq_clients.lambda_, out["function_name"], payload)
    assert result.status_code == 202
    budget = wait_budget_s(out, time_scale)

    (message,) = wait_for_dlq_messages(
        asyncdlq_clients.sqs, out["on_failure_queue_url"], 1, timeout_s=budget
    )
    assert not message.get("MessageAttributes")
    record = json.loads(message["Body"])
    assert list(record) == RECORD_KEYS_WITH_RESPONSE
    assert record["requestContext"] == {
        "requestId": result.request_id,
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

    # Facts §3: with both a DLQ and an on-failure destination, both receive the failure.
    (dead,) = wait_for_dlq_messages(asyncdlq_clients.sqs, out["dlq_url"], 1, timeout_s=budget)
    assert_dead_letter(dead, payload, result.request_id, "'key1'")


def test_destinations_plan_after_apply_is_empty(destinations) -> None:
    assert destinations.stack.plan_exit_code() == 0
