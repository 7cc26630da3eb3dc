"""No service answers in another service's format (docs/aws-behaviour.md, Error bodies and
request ids): SNS Publish to a topic with a Lambda subscription answers as SNS does, and an
error in the wrong protocol's shape is translated into the requested service's own."""

from __future__ import annotations

import io
import json
import uuid
import xml.etree.ElementTree as ET
from typing import Any

from asyncdlq.emulator.error_boundary import AwsErrorBoundary

from ..error_shape_checks import assert_aws_error

UUID_LEN = 36


def test_publish_to_a_topic_with_lambda_subscriptions_succeeds(aws, deploy) -> None:
    fn = deploy("def lambda_handler(event, context):\n    raise Exception('boom')\n")
    sns = aws.client("sns")
    topic = sns.create_topic(Name=f"to-lambda-{uuid.uuid4().hex[:8]}")["TopicArn"]
    sns.subscribe(TopicArn=topic, Protocol="lambda", Endpoint=fn.arn)
    missing = fn.arn.replace(fn.name, f"{fn.name}-gone")
    sns.subscribe(TopicArn=topic, Protocol="lambda", Endpoint=missing)
    # AWS: SNS invokes the function asynchronously, so Publish answers a MessageId whatever the
    # function does or whether it still exists
    # (https://docs.aws.amazon.com/lambda/latest/dg/with-sns.html).
    response = sns.publish(TopicArn=topic, Message="hello")
    assert len(response["MessageId"]) == UUID_LEN
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 200
    sns.delete_topic(TopicArn=topic)


def _signed_environ(signing_name: str, body: bytes) -> dict[str, Any]:
    return {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/",
        "QUERY_STRING": "",
        "CONTENT_TYPE": "application/x-www-form-urlencoded",
        "CONTENT_LENGTH": str(len(body)),
        "HTTP_AUTHORIZATION": f"AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/"
        f"{signing_name}/aws4_request, SignedHeaders=host, Signature=0",
        "wsgi.input": io.BytesIO(body),
    }


def _through_boundary(app: Any, environ: dict[str, Any]) -> tuple[int, dict[str, str], bytes]:
    started: list[Any] = []
    body = b"".join(AwsErrorBoundary(app)(environ, lambda s, h: started.append((s, h))))
    status, headers = started[0]
    return int(status[:3]), {k.lower(): v for k, v in headers}, body


def test_a_lambda_error_inside_an_sns_request_becomes_an_sns_error() -> None:
    def leaking(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        # What moto's SNS answered when it looked a subscribed function up in moto's Lambda.
        start_response(
            "404 Not Found",
            [
                ("Content-Type", "application/json"),
                ("x-amzn-ErrorType", "ResourceNotFoundException"),
            ],
        )
        return [json.dumps({"__type": "ResourceNotFoundException", "message": "gone"}).encode()]

    body = b"Action=Publish&TopicArn=arn:aws:sns:us-east-1:123456789012:t&Message=m"
    status, headers, raw = _through_boundary(leaking, _signed_environ("sns", body))
    assert status == 404 and "xml" in headers["content-type"]
    assert "x-amzn-errortype" not in headers
    assert assert_aws_error("sns", status, headers, raw) == "ResourceNotFoundException"
    ns = "{http://sns.amazonaws.com/doc/2010-03-31/}"
    assert ET.fromstring(raw).findtext(f"{ns}Error/{ns}Message") == "gone"


def test_an_xml_error_inside_a_lambda_request_becomes_a_lambda_error() -> None:
    def leaking(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        start_response("400 Bad Request", [("Content-Type", "text/xml")])
        return [
            b"<ErrorResponse><Error><Type>Sender</Type><Code>InvalidParameter</Code>"
            b"<Message>bad &amp; wrong</Message></Error><RequestId>x</RequestId></ErrorResponse>"
        ]

    environ = _signed_environ("lambda", b"")
    environ.update(REQUEST_METHOD="GET", PATH_INFO="/2015-03-31/functions/")
    status, headers, raw = _through_boundary(leaking, environ)
    assert status == 400 and headers["content-type"] == "application/json"
    assert assert_aws_error("lambda", status, headers, raw) == "InvalidParameter"
    assert json.loads(raw) == {"message": "bad & wrong"}
