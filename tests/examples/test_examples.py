"""The examples under examples/, applied as a user would apply them, and their async behaviour.

Each example is applied once per session (``asyncdlq_stack``) with its own name prefix and the
demo handler's zip. Runs unchanged against the emulator (TARGET=local, default) and a real account
(TARGET=aws): every expected value is what AWS does (/work/shared/aws-async-facts.md §3-4).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from asyncdlq.harness.aws import invoke_async, message_attributes, wait_for_dlq_messages
from asyncdlq.packaging import build_zip

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
# Facts §2: a retry starts ~60 s after attempt 1 ends and ~120 s after attempt 2 ends.
RETRY_DELAYS_S = (60, 120)
# Facts §4: an invocation record's keys, in order.
RECORD_KEYS = ["version", "timestamp", "requestContext", "requestPayload"]
RECORD_KEYS_WITH_RESPONSE = [*RECORD_KEYS, "responseContext", "responsePayload"]
# Facts §3: the three attributes of a dead letter for a function error.
DLQ_ATTRIBUTES = {"RequestID", "ErrorCode", "ErrorMessage"}


@pytest.fixture(scope="module")
def package(tmp_path_factory) -> Path:
    return build_zip(ROOT / "lambda", tmp_path_factory.mktemp("package") / "lambda.zip")


@pytest.fixture(scope="module")
def time_scale(asyncdlq_emulator) -> float:
    """How much faster than AWS the target runs retries: 1 on AWS."""
    return asyncdlq_emulator.time_scale if asyncdlq_emulator else 1.0


@pytest.fixture(scope="module")
def apply_example(asyncdlq_stack, asyncdlq_run_prefix, package):
    def apply(name: str, suffix: str) -> Any:
        variables = {"name_prefix": f"{asyncdlq_run_prefix}-{suffix}", "package_path": str(package)}
        return asyncdlq_stack(EXAMPLES / name, variables)

    return apply


@pytest.fixture(scope="module")
def basic(apply_example) -> Any:
    return apply_example("basic", "bas")


@pytest.fixture(scope="module")
def sns_dlq(apply_example) -> Any:
    return apply_example("sns-dlq", "sns")


@pytest.fixture(scope="module")
def destinations(apply_example) -> Any:
    return apply_example("destinations", "dst")


@pytest.fixture(scope="module")
def existing_dlq(apply_example) -> Any:
    return apply_example("existing-dlq", "byo")


def _wait_budget_s(outputs: dict[str, Any], time_scale: float) -> float:
    retries = int(outputs["maximum_retry_attempts"])
    expected = sum(RETRY_DELAYS_S[:retries]) * time_scale
    # AWS's delays drift (+66 s and +130 s were measured) and delivery adds latency.
    return 2 * expected + (30 if time_scale < 1 else 240)


def _assert_dead_letter(
    message: dict[str, Any], payload: bytes, request_id: str, error: str
) -> None:
    """Facts §3: body = the sent bytes, exactly RequestID/ErrorCode/ErrorMessage."""
    assert message["Body"].encode() == payload
    assert message["MD5OfBody"] == hashlib.md5(payload).hexdigest()
    assert set(message["MessageAttributes"]) == DLQ_ATTRIBUTES
    assert message["MessageAttributes"]["ErrorCode"]["DataType"] == "Number"
    assert message["MessageAttributes"]["RequestID"]["DataType"] == "String"
    assert message_attributes(message) == {
        "RequestID": request_id,
        "ErrorCode": "200",
        "ErrorMessage": error,
    }


# --- basic ----------------------------------------------------------------------------------


def test_basic_failure_lands_in_the_dlq(basic, asyncdlq_clients, time_scale) -> None:
    out = basic.outputs
    payload = b'{"key1": "value1"}'
    result = invoke_async(asyncdlq_clients.lambda_, out["function_name"], payload)
    assert result.status_code == 202
    assert result.request_id

    (message,) = wait_for_dlq_messages(
        asyncdlq_clients.sqs, out["dlq_url"], 1, timeout_s=_wait_budget_s(out, time_scale)
    )
    _assert_dead_letter(message, payload, result.request_id, "Something went wrong")


def test_basic_plan_after_apply_is_empty(basic) -> None:
    assert basic.stack.plan_exit_code() == 0


# --- sns-dlq --------------------------------------------------------------------------------


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
        timeout_s=_wait_budget_s(out, time_scale),
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


# --- destinations ---------------------------------------------------------------------------


def test_destinations_success_record(destinations, asyncdlq_clients, time_scale) -> None:
    out = destinations.outputs
    result = invoke_async(asyncdlq_clients.lambda_, out["function_name"], b'{"key1": "v"}')
    assert result.status_code == 202

    (message,) = wait_for_dlq_messages(
        asyncdlq_clients.sqs,
        out["on_success_queue_url"],
        1,
        timeout_s=_wait_budget_s(out, time_scale),
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
    budget = _wait_budget_s(out, time_scale)

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
    _assert_dead_letter(dead, payload, result.request_id, "'key1'")


def test_destinations_plan_after_apply_is_empty(destinations) -> None:
    assert destinations.stack.plan_exit_code() == 0


# --- existing-dlq ---------------------------------------------------------------------------


def test_existing_dlq_is_the_functions_dlq(existing_dlq, asyncdlq_clients) -> None:
    out = existing_dlq.outputs
    config = asyncdlq_clients.lambda_.get_function_configuration(FunctionName=out["function_name"])
    assert config["DeadLetterConfig"]["TargetArn"] == out["existing_queue_arn"]
    assert out["dlq_arn"] == out["existing_queue_arn"]


def test_existing_dlq_receives_the_dead_letter(existing_dlq, asyncdlq_clients, time_scale) -> None:
    out = existing_dlq.outputs
    payload = b'{"key1": "value1"}'
    result = invoke_async(asyncdlq_clients.lambda_, out["function_name"], payload)
    assert result.status_code == 202

    (message,) = wait_for_dlq_messages(
        asyncdlq_clients.sqs,
        out["existing_queue_url"],
        1,
        timeout_s=_wait_budget_s(out, time_scale),
    )
    _assert_dead_letter(message, payload, result.request_id, "Something went wrong")


def test_existing_dlq_plan_after_apply_is_empty(existing_dlq) -> None:
    assert existing_dlq.stack.plan_exit_code() == 0
