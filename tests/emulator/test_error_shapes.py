"""Bad requests get the service's own 4xx error in its protocol's shape, never a 500 (texts and
sources: docs/aws-behaviour.md, "Request validation and error shapes per protocol")."""

from __future__ import annotations

import json
import logging
import xml.etree.ElementTree as ET

import pytest
from botocore.exceptions import ClientError

from asyncdlq.emulator import error_shapes
from asyncdlq.emulator.error_boundary import AwsErrorBoundary
from asyncdlq.emulator.error_shapes import AwsError

from .error_shape_checks import assert_aws_error
from .raw_http import send

JSON = {"Content-Type": "application/json"}
FORM = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
SQS_JSON = {"Content-Type": "application/x-amz-json-1.0"}
LOGS_JSON = {"Content-Type": "application/x-amz-json-1.1"}


def lambda_error(port: int, method: str, path: str, body: bytes) -> tuple[int, str, str]:
    status, headers, raw = send(port, method, path, body, JSON, signing_name="lambda")
    code = assert_aws_error("lambda", status, headers, raw)
    document = json.loads(raw)
    if code in ("ValidationException", "SerializationException"):
        # Not exceptions of Lambda's model: the body is the message alone, no Type (AWS's
        # value; docs/aws-behaviour.md, Error bodies and request ids).
        assert list(document) == ["message"]
    else:
        assert document["Type"] == "User"
    return status, code, document.get("message", document.get("Message"))


def test_wrongly_typed_create_function_is_a_serialization_exception(emulator) -> None:
    body = json.dumps({"FunctionName": 5, "Role": "r", "Code": {}}).encode()
    status, code, message = lambda_error(emulator.port, "POST", "/2015-03-31/functions", body)
    assert (status, code) == (400, "SerializationException")
    assert message == "class java.lang.Integer can not be converted to an String"


def test_maximum_retry_attempts_two_is_a_serialization_exception(aws, deploy, emulator) -> None:
    fn = deploy("def lambda_handler(event, context):\n    return 1\n")
    path = f"/2019-09-25/functions/{fn.name}/event-invoke-config"
    body = b'{"MaximumRetryAttempts": "two"}'
    status, code, message = lambda_error(emulator.port, "PUT", path, body)
    assert (status, code) == (400, "SerializationException")
    assert message == "class java.lang.String can not be converted to an Integer"


@pytest.mark.parametrize(
    "body",
    [b"MaximumRetryAttempts=1", b'{"MaximumRetryAttempts": 1', b"[" * 10_000 + b"]" * 10_000],
    ids=["form", "truncated", "10000-deep"],
)
def test_a_body_that_is_not_json_is_invalid_request_content(emulator, body) -> None:
    path = "/2019-09-25/functions/whatever/event-invoke-config"
    status, code, message = lambda_error(emulator.port, "PUT", path, body)
    assert (status, code) == (400, "InvalidRequestContentException")
    assert message.startswith("Could not parse request body into json: ")


def test_dead_letter_config_without_role_is_a_validation_exception(aws) -> None:
    with pytest.raises(ClientError) as caught:
        aws.client("lambda").create_function(
            FunctionName="no-role",
            Role="",  # botocore insists on the member; AWS sees an empty value
            Runtime="python3.12",
            Handler="handler.lambda_handler",
            Code={"ZipFile": b"PK\x05\x06" + b"\0" * 18},
            DeadLetterConfig={"TargetArn": "arn:aws:sqs:us-east-1:123456789012:q"},
        )
    assert caught.value.response["Error"]["Code"] == "ValidationException"
    assert "at 'role' failed to satisfy constraint" in caught.value.response["Error"]["Message"]


def test_dead_letter_config_with_the_role_member_missing_is_a_validation_exception(
    emulator,
) -> None:
    body = json.dumps(
        {
            "FunctionName": "no-role",
            "Code": {"ZipFile": "UEsFBgAAAAAAAAAAAAAAAAAAAAAAAA=="},
            "DeadLetterConfig": {"TargetArn": "arn:aws:sqs:us-east-1:123456789012:q"},
        }
    ).encode()
    status, code, message = lambda_error(emulator.port, "POST", "/2015-03-31/functions", body)
    assert (status, code) == (400, "ValidationException")
    assert message == (
        "1 validation error detected: Value null at 'role' failed to satisfy constraint: "
        "Member must not be null"
    )


def test_an_unknown_sqs_query_action_is_invalid_action_in_xml(emulator) -> None:
    body = b"Action=FooBar&Version=2012-11-05"
    status, headers, raw = send(emulator.port, "POST", "/", body, FORM, signing_name="sqs")
    assert status == 400
    assert assert_aws_error("sqs", status, headers, raw) == "InvalidAction"
    ns = "{http://queue.amazonaws.com/doc/2012-11-05/}"
    error = ET.fromstring(raw).find(f"{ns}Error")
    assert error is not None
    assert error.findtext(f"{ns}Type") == "Sender"
    assert error.findtext(f"{ns}Message") == "The action FooBar is not valid for this endpoint."


def test_an_unknown_sqs_json_target_names_invalid_action_for_botocore(emulator) -> None:
    headers = {**SQS_JSON, "X-Amz-Target": "AmazonSQS.FooBar"}
    status, got, raw = send(emulator.port, "POST", "/", b"{}", headers, signing_name="sqs")
    assert status == 400
    assert assert_aws_error("sqs", status, got, raw) == "InvalidAction"  # x-amzn-query-error
    assert json.loads(raw)["__type"] == "UnknownOperationException"


def test_an_unknown_iam_action_is_invalid_action(emulator) -> None:
    body = b"Action=FooBar&Version=2010-05-08"
    status, headers, raw = send(emulator.port, "POST", "/", body, FORM, signing_name="iam")
    assert status == 400
    assert assert_aws_error("iam", status, headers, raw) == "InvalidAction"


@pytest.mark.parametrize("wire", ["json", "query"])
def test_sqs_missing_parameter_has_aws_text(emulator, wire) -> None:
    if wire == "json":
        headers = {**SQS_JSON, "X-Amz-Target": "AmazonSQS.SendMessage"}
        body = b'{"QueueUrl": "http://127.0.0.1/123456789012/q"}'
    else:
        headers, body = FORM, b"Action=SendMessage&QueueUrl=http://127.0.0.1/123456789012/q"
    status, got, raw = send(emulator.port, "POST", "/", body, headers, signing_name="sqs")
    assert status == 400
    assert assert_aws_error("sqs", status, got, raw) == "MissingParameter"
    assert b"The request must contain the parameter MessageBody." in raw


def test_sns_publish_without_a_target_is_invalid_parameter(aws) -> None:
    with pytest.raises(ClientError) as caught:
        aws.client("sns").publish(Message="hello")
    assert caught.value.response["Error"]["Code"] == "InvalidParameter"
    assert caught.value.response["Error"]["Message"] == (
        "Invalid parameter: TopicArn or TargetArn Reason: no value for required parameter"
    )


def test_wrong_json_type_for_logs_is_a_serialization_exception(emulator) -> None:
    headers = {**LOGS_JSON, "X-Amz-Target": "Logs_20140328.CreateLogGroup"}
    body = b'{"logGroupName": 5}'
    status, got, raw = send(emulator.port, "POST", "/", body, headers, signing_name="logs")
    assert status == 400
    assert assert_aws_error("logs", status, got, raw) == "SerializationException"


@pytest.mark.parametrize(
    ("method", "path", "body", "headers", "service", "code"),
    [
        ("GET", "/2015-03-31/functions/", b"", {}, "lambda", "MissingAuthenticationTokenException"),
        ("POST", "/", b"Action=ListQueues", FORM, "sqs", "MissingAuthenticationToken"),
        (
            "POST",
            "/",
            b"Action=ListRoles&Version=2010-05-08",
            FORM,
            "iam",
            "MissingAuthenticationToken",
        ),
        ("POST", "/", b"Action=GetCallerIdentity", FORM, "sts", "MissingAuthenticationToken"),
        (
            "POST",
            "/",
            b"{}",
            {**LOGS_JSON, "X-Amz-Target": "Logs_20140328.DescribeLogGroups"},
            "logs",
            "MissingAuthenticationTokenException",
        ),
    ],
    ids=["lambda", "sqs", "iam", "sts", "logs"],
)
def test_unsigned_requests_get_missing_authentication_token(
    emulator, method, path, body, headers, service, code
) -> None:
    status, got, raw = send(emulator.port, method, path, body, headers)
    assert status == 403
    assert assert_aws_error(service, status, got, raw) == code


def test_introspection_and_reset_stay_unsigned(emulator) -> None:
    status, _, raw = send(emulator.port, "GET", "/_asyncdlq/health")
    assert status == 200 and json.loads(raw)["status"] == "ok"


def test_an_emulator_bug_is_a_500_in_the_services_shape_and_logged(caplog) -> None:
    def broken(environ, start_response):
        raise KeyError("a bug")

    app = AwsErrorBoundary(broken)
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": "/2015-03-31/functions/",
        "QUERY_STRING": "",
        "HTTP_AUTHORIZATION": "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/lambda/"
        "aws4_request, SignedHeaders=host, Signature=0",
        "wsgi.input": __import__("io").BytesIO(b""),
    }
    started: list[tuple[str, list[tuple[str, str]]]] = []
    with caplog.at_level(logging.ERROR, logger="asyncdlq.emulator.error_boundary"):
        body = b"".join(app(environ, lambda status, headers: started.append((status, headers))))
    status, headers = started[0]
    assert status.startswith("500")
    assert dict(headers)["x-amzn-ErrorType"] == "ServiceException"
    assert json.loads(body)["Type"] == "Service"
    assert "KeyError: 'a bug'" in caplog.text


def test_query_errors_stay_parseable_xml_whatever_the_message_quotes() -> None:
    error = AwsError("ValidationError", "Value '\x10<\ud800' at 'roleName'")
    _, _, body = error_shapes.render(error_shapes.service("iam"), error)
    ns = "{https://iam.amazonaws.com/doc/2010-05-08/}"
    message = ET.fromstring(body).find(f"{ns}Error/{ns}Message")
    assert message is not None and message.text == "Value '\ufffd<\ufffd' at 'roleName'"


def test_an_environment_key_outside_the_pattern_is_reported_as_a_map_constraint(aws) -> None:
    with pytest.raises(ClientError) as caught:
        aws.client("lambda").update_function_configuration(
            FunctionName="whatever", Environment={"Variables": {"_HANDLER": "x"}}
        )
    assert caught.value.response["Error"]["Code"] == "ValidationException"
    assert caught.value.response["Error"]["Message"] == (
        "1 validation error detected: Value '{_HANDLER=x}' at 'environment.variables' failed to "
        "satisfy constraint: Map keys must satisfy constraint: [Member must satisfy regular "
        "expression pattern: [a-zA-Z]([a-zA-Z0-9_])+]"
    )


@pytest.mark.parametrize("wire", ["json", "query"])
def test_a_non_integer_queue_attribute_is_invalid_attribute_value(emulator, wire) -> None:
    if wire == "json":
        headers = {**SQS_JSON, "X-Amz-Target": "AmazonSQS.CreateQueue"}
        body = b'{"QueueName": "q-bad-attr", "Attributes": {"VisibilityTimeout": "soon"}}'
    else:
        headers = FORM
        body = (
            b"Action=CreateQueue&QueueName=q-bad-attr"
            b"&Attribute.1.Name=VisibilityTimeout&Attribute.1.Value=soon"
        )
    status, got, raw = send(emulator.port, "POST", "/", body, headers, signing_name="sqs")
    assert status == 400
    assert assert_aws_error("sqs", status, got, raw) == "InvalidAttributeValue"
    assert b"Invalid value for the parameter VisibilityTimeout." in raw


def test_create_function_without_code_is_refused_not_a_500(emulator) -> None:
    body = json.dumps(
        {
            "FunctionName": "no-code",
            "Role": "arn:aws:iam::123456789012:role/r",
            "Runtime": "python3.12",
            "Handler": "h.h",
            "Code": {},
        }
    ).encode()
    status, code, message = lambda_error(emulator.port, "POST", "/2015-03-31/functions", body)
    assert (status, code) == (400, "InvalidParameterValueException")


def test_a_stored_control_character_never_makes_a_listing_unparseable(aws) -> None:
    # moto accepts the endpoint and writes it into its XML as it is; every later
    # ListSubscriptions of every client would then fail to parse.
    sns = aws.client("sns")
    topic = sns.create_topic(Name="control-characters")["TopicArn"]
    sns.subscribe(TopicArn=topic, Protocol="email", Endpoint="a\x01b@example.com")
    listed = sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]
    assert [s["Endpoint"] for s in listed] == ["a\ufffdb@example.com"]
    sns.delete_topic(TopicArn=topic)
