"""Clients and the after-destroy check against moto's server (a local endpoint, like the
emulator's)."""

from __future__ import annotations

import io
import json
import os
import uuid
import zipfile

import pytest
from botocore.config import Config

from asyncdlq.client import clients as aws
from asyncdlq.target import Target


@pytest.fixture
def target(moto_endpoint: str) -> Target:
    return Target("local", "us-east-1", moto_endpoint)


@pytest.fixture
def c(target: Target) -> aws.Clients:
    return aws.clients(target)


def test_local_clients_ignore_the_users_profile_and_leave_environ_alone(
    target: Target, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_PROFILE", "profile-that-does-not-exist")
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:1")
    before = dict(os.environ)
    c = aws.clients(target)
    sqs = c.sqs
    assert sqs.meta.endpoint_url == target.endpoint_url
    assert sqs.meta.region_name == "us-east-1"
    assert c.session.get_credentials().access_key == "test"
    assert dict(os.environ) == before
    # moto's in-process server reads AWS_PROFILE itself, so restore it before the call.
    monkeypatch.undo()
    sqs.list_queues()  # reaches the target, not the env endpoint


def test_aws_clients_use_the_default_chain(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    c = aws.clients(Target("aws", "eu-west-1", None))
    assert c.endpoint_url is None
    assert c.lambda_.meta.region_name == "eu-west-1"
    assert "amazonaws.com" in c.lambda_.meta.endpoint_url
    assert c.session.get_credentials().access_key == "AKIAEXAMPLE"


def test_queue_name_of_takes_the_last_path_segment() -> None:
    assert aws.queue_name_of("https://sqs.eu-west-1.amazonaws.com/123456789012/dlq-1") == "dlq-1"
    assert aws.queue_name_of("http://127.0.0.1:4599/000000000000/dlq-2/") == "dlq-2"


def _zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("handler.py", "def lambda_handler(event, context):\n    return 1\n")
    return buf.getvalue()


def test_assert_nothing_left_lists_every_leftover_then_passes(c: aws.Clients) -> None:
    name = f"adlq-{uuid.uuid4().hex[:6]}"
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "sts:AssumeRole",
                "Principal": {"Service": "lambda.amazonaws.com"},
            }
        ],
    }
    role = c.iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))["Role"]
    c.iam.put_role_policy(
        RoleName=name,
        PolicyName="dlq",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": "*"}],
            }
        ),
    )
    c.sqs.create_queue(QueueName=f"{name}-dlq")
    c.logs.create_log_group(logGroupName=f"/aws/lambda/{name}")
    c.lambda_.create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=role["Arn"],
        Handler="handler.lambda_handler",
        Code={"ZipFile": _zip()},
    )
    names = {
        "function_name": name,
        "queue_name": f"{name}-dlq",
        "role_name": name,
        "log_group": f"/aws/lambda/{name}",
    }

    with pytest.raises(AssertionError) as caught:
        aws.assert_nothing_left(c, **names, settle_s=0)
    message = str(caught.value)
    for expected in (
        f"Lambda function {name}",
        f"SQS queue {name}-dlq",
        f"IAM role {name}",
        f"inline policy dlq on IAM role {name}",
        f"CloudWatch log group /aws/lambda/{name}",
    ):
        assert expected in message
    assert message.startswith("5 resource(s) left after destroy")

    c.lambda_.delete_function(FunctionName=name)
    c.sqs.delete_queue(QueueUrl=c.sqs.get_queue_url(QueueName=f"{name}-dlq")["QueueUrl"])
    c.iam.delete_role_policy(RoleName=name, PolicyName="dlq")
    c.iam.delete_role(RoleName=name)
    c.logs.delete_log_group(logGroupName=f"/aws/lambda/{name}")
    aws.assert_nothing_left(c, **names, settle_s=0)


def test_assert_nothing_left_does_not_swallow_other_errors(moto_endpoint: str) -> None:
    # A dead endpoint must surface as an error, not as "nothing left".
    dead = aws.clients(
        Target("local", "us-east-1", "http://127.0.0.1:9"),
        config=Config(retries={"max_attempts": 1}, connect_timeout=2),
    )
    with pytest.raises(Exception) as caught:
        aws.assert_nothing_left(
            dead,
            function_name="f",
            queue_name="q",
            role_name="r",
            log_group="/aws/lambda/f",
            settle_s=0,
        )
    assert not isinstance(caught.value, AssertionError)
