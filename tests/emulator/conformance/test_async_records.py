"""What Lambda sends on for an async event, against AWS's recorded messages
(docs/aws-behaviour.md, Async records, logs and throttles; Destinations and dead-letter targets).

Recordings: localstack/localstack, tests/aws/services/lambda_/test_lambda.snapshot.json and
test_lambda_destinations.snapshot.json. LocalStack replaced volatile values with placeholders
when it stored them; here the same places go through ``normalize`` (its list) or, where that list
has no entry (SQS's own timestamps, sender id, receipt handle, MD5 of a body that holds a time),
are checked for their form, key by key.
"""

from __future__ import annotations

import json
import re
from typing import Any

from ..helpers import invoke_event, wait_outcome
from .normalize import assert_matches, normalize

# X-Ray's header form: Root=1-<8 hex>-<24 hex>;Parent=<16 hex>;Sampled=<0|1>.
TRACE_HEADER = re.compile(r"Root=1-[0-9a-f]{8}-[0-9a-f]{24};Parent=[0-9a-f]{16};Sampled=[01]")
# The system attributes of every recorded destination message received with AttributeNames=All:
# test_lambda.snapshot.json TestLambdaConcurrency::test_reserved_concurrency "msg" (25-11-2025);
# test_lambda_destinations.snapshot.json TestLambdaDestinationSqs::test_retries and
# ::test_maxeventage (25/27-11-2025).
RECORD_ATTRIBUTES = [
    "AWSTraceHeader",
    "ApproximateFirstReceiveTimestamp",
    "ApproximateReceiveCount",
    "SenderId",
    "SentTimestamp",
]
RAISE_AT_LINE_55 = (
    "def handler(event, context):\n"
    + "\n" * 53
    + '    raise Exception("Test exception (this is intentional)")\n'
    + "lambda_handler = handler\n"
)
INTROSPECT = """
def lambda_handler(event, context):
    return {
        "event": event,
        "context": {
            "invoked_function_arn": context.invoked_function_arn,
            "function_version": context.function_version,
            "function_name": context.function_name,
            "memory_limit_in_mb": context.memory_limit_in_mb,
            "aws_request_id": context.aws_request_id,
            "log_group_name": context.log_group_name,
            "log_stream_name": context.log_stream_name,
            "client_context": context.client_context,
        },
    }
"""


def _on_failure_queue(aws: Any, fn: Any, *, retries: int, success: bool = False) -> str:
    sqs = aws.client("sqs")
    url = sqs.create_queue(QueueName=f"{fn.name}-records")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    config: dict[str, Any] = {"OnFailure": {"Destination": arn}}
    if success:
        config["OnSuccess"] = {"Destination": arn}
    aws.client("lambda").put_function_event_invoke_config(
        FunctionName=fn.name, MaximumRetryAttempts=retries, DestinationConfig=config
    )
    return url


def _receive_one(aws: Any, url: str) -> dict[str, Any]:
    sqs = aws.client("sqs")
    for _ in range(15):
        got = sqs.receive_message(QueueUrl=url, AttributeNames=["All"], WaitTimeSeconds=1)
        if got.get("Messages"):
            return got["Messages"][0]
    raise AssertionError(f"no record arrived in {url}")


def _check_system_attributes(message: dict[str, Any]) -> None:
    attributes = message["Attributes"]
    assert sorted(attributes) == RECORD_ATTRIBUTES
    assert TRACE_HEADER.fullmatch(attributes["AWSTraceHeader"]), attributes["AWSTraceHeader"]
    assert attributes["ApproximateReceiveCount"] == "1"
    assert attributes["SentTimestamp"].isdigit()
    assert attributes["ApproximateFirstReceiveTimestamp"].isdigit()
    assert attributes["SenderId"]
    assert sorted(message) == ["Attributes", "Body", "MD5OfBody", "MessageId", "ReceiptHandle"]


def _names(fn: Any) -> dict[str, str]:
    return {fn.name: "<function-name>"}


def test_zero_reserved_concurrency_record_of_an_empty_payload(aws, emulator, deploy) -> None:
    fn = deploy(INTROSPECT, retries=None)
    aws.client("lambda").put_function_concurrency(
        FunctionName=fn.name, ReservedConcurrentExecutions=0
    )
    url = _on_failure_queue(aws, fn, retries=0)
    response = aws.client("lambda").invoke(FunctionName=fn.name, InvocationType="Event")
    wait_outcome(emulator, response["ResponseMetadata"]["RequestId"])
    message = _receive_one(aws, url)
    _check_system_attributes(message)
    # test_lambda.snapshot.json TestLambdaConcurrency::test_reserved_concurrency "msg"
    # (recorded 25-11-2025): Invoke with InvocationType=Event and no Payload.
    assert_matches(
        {
            "version": "1.0",
            "timestamp": "<timestamp>",
            "requestContext": {
                "requestId": "<uuid>",
                "functionArn": (
                    "arn:aws:lambda:<region>:111111111111:function:<function-name>:$LATEST"
                ),
                "condition": "ZeroReservedConcurrency",
                "approximateInvokeCount": 0,
            },
            "requestPayload": {},
        },
        normalize(json.loads(message["Body"]), _names(fn), ("us-east-1",)),
    )


def test_retries_exhausted_record_field_by_field(aws, emulator, deploy) -> None:
    fn = deploy(RAISE_AT_LINE_55, retries=None)
    url = _on_failure_queue(aws, fn, retries=0)
    request_id = invoke_event(aws, fn.name, json.dumps({"raise_error": 1}).encode())
    wait_outcome(emulator, request_id)
    message = _receive_one(aws, url)
    _check_system_attributes(message)
    # test_lambda_destinations.snapshot.json TestLambdaDestinationSqs::
    # test_assess_lambda_destination_invocation[payload1] "receive_message_result" (24-11-2025).
    assert_matches(
        {
            "version": "1.0",
            "timestamp": "<timestamp>",
            "requestContext": {
                "requestId": "<uuid>",
                "functionArn": (
                    "arn:aws:lambda:<region>:111111111111:function:<function-name>:$LATEST"
                ),
                "condition": "RetriesExhausted",
                "approximateInvokeCount": 1,
            },
            "requestPayload": {"raise_error": 1},
            "responseContext": {
                "statusCode": 200,
                "executedVersion": "$LATEST",
                "functionError": "Unhandled",
            },
            "responsePayload": {
                "errorMessage": "Test exception (this is intentional)",
                "errorType": "Exception",
                "requestId": "<uuid>",
                "stackTrace": [
                    '  File "/var/task/handler.py", line 55, in handler\n'
                    '    raise Exception("Test exception (this is intentional)")\n'
                ],
            },
        },
        normalize(json.loads(message["Body"]), _names(fn), ("us-east-1",)),
    )


def test_success_record_of_an_empty_object_payload(aws, emulator, deploy) -> None:
    fn = deploy(INTROSPECT, retries=None)
    url = _on_failure_queue(aws, fn, retries=0, success=True)
    request_id = invoke_event(aws, fn.name, b"{}")
    event = wait_outcome(emulator, request_id)
    sqs = aws.client("sqs")
    got = sqs.receive_message(QueueUrl=url, MessageAttributeNames=["All"], WaitTimeSeconds=5)
    (message,) = got["Messages"]
    names = {**_names(fn), event.attempts[0].log_stream: "<log-stream-name>"}
    # test_lambda_destinations.snapshot.json TestLambdaDestinationSqs::
    # test_assess_lambda_destination_invocation[payload0] "receive_message_result" (24-11-2025),
    # received with MessageAttributeNames only, as here.
    assert sorted(message) == ["Body", "MD5OfBody", "MessageId", "ReceiptHandle"]
    assert_matches(
        {
            "version": "1.0",
            "timestamp": "<timestamp>",
            "requestContext": {
                "requestId": "<uuid>",
                "functionArn": (
                    "arn:aws:lambda:<region>:111111111111:function:<function-name>:$LATEST"
                ),
                "condition": "Success",
                "approximateInvokeCount": 1,
            },
            "requestPayload": {},
            "responseContext": {"statusCode": 200, "executedVersion": "$LATEST"},
            "responsePayload": {
                "event": {},
                "context": {
                    "invoked_function_arn": (
                        "arn:aws:lambda:<region>:111111111111:function:<function-name>"
                    ),
                    "function_version": "$LATEST",
                    "function_name": "<function-name>",
                    "memory_limit_in_mb": "128",
                    "aws_request_id": "<uuid>",
                    "log_group_name": "/aws/lambda/<function-name>",
                    "log_stream_name": "<log-stream-name>",
                    "client_context": None,
                },
            },
        },
        normalize(json.loads(message["Body"]), names, ("us-east-1",)),
    )


def test_dead_letter_message_field_by_field(aws, emulator, deploy) -> None:
    fn = deploy(RAISE_AT_LINE_55, retries=0)
    request_id = invoke_event(aws, fn.name, json.dumps({"raise_error": 1}).encode())
    wait_outcome(emulator, request_id)
    got = aws.client("sqs").receive_message(
        QueueUrl=fn.queue_url, MessageAttributeNames=["All"], WaitTimeSeconds=5
    )
    (message,) = got["Messages"]
    # test_lambda_destinations.snapshot.json TestLambdaDLQ::test_dead_letter_queue
    # "receive_result" (recorded 24-11-2025, python3.12). MD5OfBody is the body's own MD5; the
    # recording kept it. Whether a dead letter carries AWSTraceHeader is not recorded (it was
    # received without AttributeNames).
    assert sorted(message) == [
        "Body",
        "MD5OfBody",
        "MD5OfMessageAttributes",
        "MessageAttributes",
        "MessageId",
        "ReceiptHandle",
    ]
    assert json.loads(message["Body"]) == {"raise_error": 1}
    assert message["MD5OfBody"] == "ba08269cbd0ce515889bfba6593731e1"
    assert_matches(
        {
            "ErrorCode": {"DataType": "Number", "StringValue": "200"},
            "ErrorMessage": {
                "DataType": "String",
                "StringValue": "Test exception (this is intentional)",
            },
            "RequestID": {"DataType": "String", "StringValue": "<uuid>"},
        },
        normalize(message["MessageAttributes"]),
    )
