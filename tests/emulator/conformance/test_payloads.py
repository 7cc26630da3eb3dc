"""Invoke payloads the function never sees, and responses it may not send, against AWS's
recorded answers (docs/aws-behaviour.md, Limits: payloads, responses, environment variables,
code; Error bodies and request ids)."""

from __future__ import annotations

import json

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from .normalize import assert_matches, normalize

NO_RETRY = Config(retries={"max_attempts": 0}, read_timeout=60)
# Jackson's location suffix, as AWS appends it to its parser's description.
_AT = "\n at [Source: REDACTED (`StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION` disabled); "
ECHO = "def lambda_handler(event, context):\n    return event\n"


def _invalid_content(message: str) -> dict[str, object]:
    return {
        "Error": {"Code": "InvalidRequestContentException", "Message": message},
        "Type": "User",
        "message": message,
    }


def test_non_utf8_payload_keys_code_and_status(aws, deploy) -> None:
    fn = deploy(ECHO)
    with pytest.raises(ClientError) as caught:
        aws.client("lambda", config=NO_RETRY).invoke(
            FunctionName=fn.name, Payload=b"n\x87r\x9e\xe9\xb5\xd7I\xee\x9bmt"
        )
    got = normalize(caught.value.response)
    # localstack/localstack tests/aws/services/lambda_/test_lambda.snapshot.json,
    # TestLambdaErrors::test_lambda_invoke_payload_encoding_error[body-...],
    # invoke_function_invalid_payload_body (recorded 24-11-2025): the keys, code and status.
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert sorted(got) == ["Error", "Type", "message"]
    assert got["Error"]["Code"] == "InvalidRequestContentException" and got["Type"] == "User"
    prefix = "Could not parse request body into json: Could not parse payload into json: "
    assert got["message"].startswith(prefix + "Invalid UTF-8 start byte 0x87")


def test_non_utf8_payload_full_message(aws, deploy) -> None:
    fn = deploy(ECHO)
    with pytest.raises(ClientError) as caught:
        aws.client("lambda", config=NO_RETRY).invoke(
            FunctionName=fn.name, Payload=b"n\x87r\x9e\xe9\xb5\xd7I\xee\x9bmt"
        )
    # Same recording as above, the whole message.
    message = (
        "Could not parse request body into json: Could not parse payload into json: "
        "Invalid UTF-8 start byte 0x87" + _AT + "line: 1, column: 3]"
    )
    assert_matches(_invalid_content(message), normalize(caught.value.response))


def test_response_over_6_mb(aws, deploy) -> None:
    fn = deploy(
        "def lambda_handler(event, context):\n    return 'a' * event['bytenum']\n", timeout=30
    )
    response = aws.client("lambda", config=NO_RETRY).invoke(
        FunctionName=fn.name, Payload=json.dumps({"bytenum": 7 * 1024 * 1024}).encode()
    )
    got = normalize({**response, "Payload": json.loads(response["Payload"].read())})
    # test_lambda.snapshot.json, TestLambdaBaseFeatures::test_lambda_too_large_response,
    # invoke_result (python3.12, recorded 24-11-2025)
    expected = {
        "ExecutedVersion": "$LATEST",
        "FunctionError": "Unhandled",
        "Payload": {
            "errorMessage": "Response payload size exceeded maximum allowed payload size "
            "(6291556 bytes).",
            "errorType": "Function.ResponseSizeTooLarge",
        },
        "StatusCode": 200,
    }
    assert_matches(expected, got)


def test_response_over_6_mb_fields_but_the_text(aws, deploy) -> None:
    fn = deploy(
        "def lambda_handler(event, context):\n    return 'a' * event['bytenum']\n", timeout=30
    )
    lam = aws.client("lambda", config=NO_RETRY)
    for _ in range(2):  # the second invoke: the environment still serves (same recording)
        response = lam.invoke(
            FunctionName=fn.name, Payload=json.dumps({"bytenum": 7 * 1024 * 1024}).encode()
        )
        payload = json.loads(response["Payload"].read())
        # test_lambda.snapshot.json, TestLambdaBaseFeatures::test_lambda_too_large_response
        assert (response["StatusCode"], response["FunctionError"]) == (200, "Unhandled")
        assert response["ExecutedVersion"] == "$LATEST"
        assert sorted(payload) == ["errorMessage", "errorType"]
        assert payload["errorType"] == "Function.ResponseSizeTooLarge"
        assert "exceeded maximum allowed payload size (6291556 bytes)." in payload["errorMessage"]
