"""Lambda's error bodies and headers, compared with what AWS answered (docs/aws-behaviour.md,
Error bodies and request ids). The parsed answers are botocore's view of the recorded
responses; the raw bodies are checked key by key, as botocore drops keys its model lacks."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from ..conftest import zip_source
from ..raw_http import send
from .normalize import assert_matches, normalize

JSON = {"Content-Type": "application/json"}
NO_RETRY = Config(retries={"max_attempts": 0})


def _error(call: Any, **kwargs: Any) -> dict[str, Any]:
    with pytest.raises(ClientError) as caught:
        call(**kwargs)
    return caught.value.response


def _raw_error(port: int, method: str, path: str, body: bytes = b"") -> tuple[int, dict, dict]:
    status, headers, raw = send(port, method, path, body, JSON, signing_name="lambda")
    return status, headers, json.loads(raw)


def test_function_not_found_has_type_and_capital_message(aws, emulator) -> None:
    name = f"missing-{uuid.uuid4().hex[:8]}"
    got = _error(aws.client("lambda").delete_function, FunctionName=name)
    # localstack/localstack tests/aws/services/lambda_/test_lambda_api.snapshot.json,
    # TestLambdaFunction::test_delete_on_nonexisting_version, delete_function_response_non_existent
    message = "Function not found: arn:aws:lambda:<region>:111111111111:function:<fn-name>"
    expected = {
        "Error": {"Code": "ResourceNotFoundException", "Message": message},
        "Message": message,
        "Type": "User",
    }
    assert_matches(expected, normalize(got, {name: "<fn-name>"}, ("us-east-1",)))
    assert got["ResponseMetadata"]["HTTPStatusCode"] == 404
    # The raw body: {"Message": ..., "Type": "User"} (a Lambda 404 quoted from AWS in
    # aarondfrancis/sidecar#23); the code in x-amzn-ErrorType, plain (cloudyr/aws.lambda#2).
    status, headers, body = _raw_error(emulator.port, "GET", f"/2015-03-31/functions/{name}")
    assert (status, headers["x-amzn-errortype"]) == (404, "ResourceNotFoundException")
    assert headers["content-type"] == "application/json"
    assert sorted(body) == ["Message", "Type"]


def test_invalid_parameter_value_has_type_and_lower_message(aws) -> None:
    got = _error(
        aws.client("lambda").create_function,
        FunctionName=f"badzip-{uuid.uuid4().hex[:8]}",
        Runtime="python3.12",
        Role="arn:aws:iam::123456789012:role/r",
        Handler="handler.lambda_handler",
        Code={"ZipFile": b"not a zip"},
    )
    # test_lambda_api.snapshot.json, TestLambdaFunction::test_create_lambda_exceptions,
    # invalid_zip_exc
    message = "Could not unzip uploaded file. Please check your file, then try to upload again."
    expected = {
        "Error": {"Code": "InvalidParameterValueException", "Message": message},
        "Type": "User",
        "message": message,
    }
    assert_matches(expected, normalize(got))
    assert got["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_resource_conflict_has_type_and_lower_message(aws, deploy) -> None:
    fn = deploy("def lambda_handler(event, context):\n    return 1\n")
    lam = aws.client("lambda")
    role = lam.get_function_configuration(FunctionName=fn.name)["Role"]
    got = _error(
        lam.create_function,
        FunctionName=fn.name,
        Runtime="python3.12",
        Role=role,
        Handler="handler.lambda_handler",
        Code={"ZipFile": zip_source("def lambda_handler(e, c):\n    return 1\n")},
    )
    # The keys of ResourceConflictException (Type, message): test_lambda_api.snapshot.json,
    # TestLambdaAlias::test_notfound_and_invalid_routingconfigs; the text is moto's.
    assert sorted(k for k in got if k != "ResponseMetadata") == ["Error", "Type", "message"]
    assert got["Error"]["Code"] == "ResourceConflictException"
    assert got["ResponseMetadata"]["HTTPStatusCode"] == 409


def test_throttle_has_reason_and_no_retry_after(aws, deploy, emulator) -> None:
    fn = deploy("def lambda_handler(event, context):\n    return 1\n")
    lam = aws.client("lambda", config=NO_RETRY)
    lam.put_function_concurrency(FunctionName=fn.name, ReservedConcurrentExecutions=0)
    got = _error(lam.invoke, FunctionName=fn.name, Payload=b"{}")
    # test_lambda.snapshot.json, TestLambdaConcurrency::test_reserved_concurrency,
    # exc_no_cap_requestresponse (no retryAfterSeconds: AWS sent no Retry-After header)
    expected = {
        "Error": {"Code": "TooManyRequestsException", "Message": "Rate Exceeded."},
        "Reason": "ReservedFunctionConcurrentInvocationLimitExceeded",
        "Type": "User",
        "message": "Rate Exceeded.",
    }
    assert_matches(expected, normalize(got))
    assert got["ResponseMetadata"]["HTTPStatusCode"] == 429
    status, headers, body = _raw_error(
        emulator.port, "POST", f"/2015-03-31/functions/{fn.name}/invocations", b"{}"
    )
    assert status == 429 and "retry-after" not in headers
    # {"Reason": ..., "Type": "User", "message": "Rate Exceeded."}: the body quoted from AWS in
    # Arc XP's PageBuilder docs (found with find_string '"Type":"User","message":"Rate Exceeded."')
    assert body == {
        "Reason": "ReservedFunctionConcurrentInvocationLimitExceeded",
        "Type": "User",
        "message": "Rate Exceeded.",
    }


def test_validation_exception_is_message_alone(emulator) -> None:
    body = json.dumps({"FunctionName": "x", "Code": {}}).encode()
    status, headers, document = _raw_error(emulator.port, "POST", "/2015-03-31/functions", body)
    # A Lambda ValidationException body as the AWS PHP SDK printed it:
    # {"message":"1 validation error detected: Value 'teste' at 'role' failed to satisfy
    # constraint: ..."} (found with find_string '{"message":"1 validation error detected: Value')
    assert (status, headers["x-amzn-errortype"]) == (400, "ValidationException")
    assert list(document) == ["message"]


def test_emulator_errors_carry_exactly_their_shapes_keys(emulator) -> None:
    # The emulator's own errors (request validation, payload checks) follow the same rule:
    # InvalidRequestContentException is Type + message (test_lambda.snapshot.json,
    # TestLambdaErrors::test_lambda_invoke_payload_encoding_error).
    path = "/2015-03-31/functions/whatever/invocations"
    status, headers, document = _raw_error(emulator.port, "POST", path, b"n\x87r")
    assert (status, headers["x-amzn-errortype"]) == (400, "InvalidRequestContentException")
    assert sorted(document) == ["Type", "message"] and document["Type"] == "User"
