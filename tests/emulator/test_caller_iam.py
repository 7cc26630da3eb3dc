"""Caller IAM (caller_iam.py): signed requests are authorized against the caller's identity
policies, scoped by resource ARN and region; unknown keys act as the administrator."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from asyncdlq.emulator import caller_iam
from asyncdlq.emulator.caller_iam_actions import needs
from asyncdlq.emulator.caller_iam_requests import Call
from asyncdlq.emulator.server import EmulatorServer

from .conftest import Aws


@pytest.fixture
def enforced(emulator: EmulatorServer) -> Iterator[caller_iam.CallerIam]:
    guard = caller_iam.install(emulator)
    yield guard
    caller_iam.uninstall(emulator)


def _user(aws: Aws, statements: list[dict[str, Any]]) -> tuple[str, boto3.Session]:
    iam = aws.client("iam")
    name = f"ci-{uuid.uuid4().hex[:8]}"
    iam.create_user(UserName=name)
    policy = {"Version": "2012-10-17", "Statement": statements}
    iam.put_user_policy(UserName=name, PolicyName="p", PolicyDocument=json.dumps(policy))
    key = iam.create_access_key(UserName=name)["AccessKey"]
    session = boto3.Session(
        aws_access_key_id=key["AccessKeyId"],
        aws_secret_access_key=key["SecretAccessKey"],
        region_name="us-east-1",
    )
    return name, session


def _code(exc: pytest.ExceptionInfo[ClientError]) -> str:
    return str(exc.value.response["Error"]["Code"])


def test_resource_scope_by_prefix_and_region(aws: Aws, enforced: caller_iam.CallerIam) -> None:
    _, session = _user(
        aws,
        [
            {
                "Sid": "Queues",
                "Effect": "Allow",
                "Action": ["sqs:CreateQueue", "sqs:DeleteQueue"],
                "Resource": "arn:aws:sqs:us-east-1:*:adlq-*",
            }
        ],
    )
    sqs = session.client("sqs", endpoint_url=aws.endpoint_url)
    url = sqs.create_queue(QueueName=f"adlq-{uuid.uuid4().hex[:6]}")["QueueUrl"]
    sqs.delete_queue(QueueUrl=url)
    with pytest.raises(ClientError) as denied:
        sqs.create_queue(QueueName="other-queue")
    assert _code(denied) == "AccessDenied"
    other_region = session.client("sqs", endpoint_url=aws.endpoint_url, region_name="eu-west-1")
    with pytest.raises(ClientError):
        other_region.create_queue(QueueName="adlq-elsewhere")
    (first, second) = enforced.denials()[-2:]
    assert first.resource.endswith(":other-queue") and first.action == "sqs:CreateQueue"
    assert ":eu-west-1:" in second.resource


def test_each_protocol_answers_access_denied(aws: Aws, enforced: caller_iam.CallerIam) -> None:
    _, session = _user(aws, [{"Effect": "Allow", "Action": "sqs:ListQueues", "Resource": "*"}])
    calls = {
        "lambda": lambda c: c.get_function(FunctionName="adlq-nope"),  # rest-json
        "s3": lambda c: c.create_bucket(Bucket="adlq-nope"),  # rest-xml
        "logs": lambda c: c.create_log_group(logGroupName="/aws/lambda/adlq-nope"),  # json
        "iam": lambda c: c.get_role(RoleName="adlq-nope"),  # query
        "sns": lambda c: c.create_topic(Name="adlq-nope"),  # query, its own code
        "events": lambda c: c.describe_rule(Name="adlq-nope"),  # json
    }
    expected = {
        "lambda": "AccessDeniedException",
        "s3": "AccessDenied",
        "sns": "AuthorizationError",
    }
    for service, call in calls.items():
        with pytest.raises(ClientError) as denied:
            call(session.client(service, endpoint_url=aws.endpoint_url))
        assert denied.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403, service
        code = expected.get(
            service, "AccessDenied" if service == "iam" else "AccessDeniedException"
        )
        assert _code(denied) == code, service
        assert "is not authorized to perform" in str(denied.value)
    session.client("sqs", endpoint_url=aws.endpoint_url).list_queues()


def test_bootstrap_key_is_admin_and_act_as_applies_a_user(
    aws: Aws, enforced: caller_iam.CallerIam
) -> None:
    name, _ = _user(aws, [{"Effect": "Allow", "Action": "logs:DescribeLogGroups", "Resource": "*"}])
    logs = aws.client("logs")
    logs.describe_log_groups()
    logs.create_log_group(logGroupName=f"/aws/lambda/adlq-{uuid.uuid4().hex[:6]}")  # admin
    enforced.act_as = name
    try:
        logs.describe_log_groups()
        with pytest.raises(ClientError):
            logs.create_log_group(logGroupName="/aws/lambda/adlq-denied")
    finally:
        enforced.act_as = None
    # Unsigned requests (the runtime API, introspection) are never checked.
    assert aws.client("sts").get_caller_identity()["Account"]


def test_get_caller_identity_needs_no_permission(aws: Aws, enforced: caller_iam.CallerIam) -> None:
    _, session = _user(aws, [{"Effect": "Deny", "Action": "*", "Resource": "*"}])
    arn = session.client("sts", endpoint_url=aws.endpoint_url).get_caller_identity()["Arn"]
    assert ":user/ci-" in arn


def _call(service: str, operation: str, **params: Any) -> Call:
    return Call(service, operation, "us-east-1", "AKIA", params)


@pytest.mark.parametrize(
    ("call", "action", "resource"),
    [
        (_call("lambda", "Invoke", FunctionName="f"), "lambda:InvokeFunction", "function:f"),
        (_call("sqs", "DeleteMessageBatch", QueueUrl="http://h/1/q"), "sqs:DeleteMessage", ":q"),
        (_call("s3", "HeadBucket", Bucket="b"), "s3:ListBucket", "arn:aws:s3:::b"),
        (_call("s3", "PutObject", Bucket="b", Key="k/x"), "s3:PutObject", ":::b/k/x"),
        (_call("logs", "DescribeLogGroups"), "logs:DescribeLogGroups", "log-group:*"),
        (_call("events", "PutTargets", Rule="r"), "events:PutTargets", ":rule/r"),
        (_call("events", "PutEvents", Entries=[{}]), "events:PutEvents", "event-bus/default"),
        (_call("sns", "Subscribe", TopicArn="arn:aws:sns:us-east-1:1:t"), "sns:Subscribe", ":t"),
    ],
)
def test_action_and_resource_of_an_operation(call: Call, action: str, resource: str) -> None:
    (need,) = needs(call, "123456789012")
    assert need.action == action
    assert need.resource.endswith(resource)
    assert need.context["aws:RequestedRegion"] == "us-east-1"


def test_creating_a_function_passes_its_role() -> None:
    role = "arn:aws:iam::123456789012:role/adlq-x-role"
    call = _call("lambda", "CreateFunction", FunctionName="adlq-x", Role=role)
    create, passing = needs(call, "123456789012")
    assert create.action == "lambda:CreateFunction"
    assert (passing.action, passing.resource) == ("iam:PassRole", role)
    assert passing.context == {"iam:PassedToService": "lambda.amazonaws.com"}
