"""An in-process emulator on a free port, and small helpers to deploy functions into it."""

from __future__ import annotations

import io
import json
import textwrap
import uuid
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest

from asyncdlq.emulator.server import EmulatorServer

# 1/100: a retry delay of 60 s becomes 0.6 s, the minimum event age of 60 s becomes 0.6 s.
TIME_SCALE = 0.01


@pytest.fixture(scope="session")
def emulator() -> Iterator[EmulatorServer]:
    server = EmulatorServer("127.0.0.1", 0, time_scale=TIME_SCALE, async_payload_limit=4096).start()
    yield server
    server.stop()


@dataclass
class Aws:
    endpoint_url: str

    def client(self, service: str, config: Any = None) -> Any:
        return boto3.client(
            service,
            config=config,
            endpoint_url=self.endpoint_url,
            region_name="us-east-1",
            aws_access_key_id="test",
            aws_secret_access_key="test",
        )


@pytest.fixture(scope="session")
def aws(emulator: EmulatorServer) -> Aws:
    return Aws(emulator.endpoint_url)


def zip_source(source: str, filename: str = "handler.py") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr(filename, textwrap.dedent(source))
    return buffer.getvalue()


@dataclass
class Deployed:
    name: str
    arn: str
    queue_url: str
    queue_arn: str


@pytest.fixture
def deploy(aws: Aws) -> Any:
    """Create a function (and an SQS DLQ) from handler source; names are unique per call."""
    lam, sqs, iam = aws.client("lambda"), aws.client("sqs"), aws.client("iam")

    def _deploy(
        source: str,
        *,
        retries: int | None = 2,
        max_age: int | None = None,
        timeout: int = 3,
        env: dict[str, str] | None = None,
    ) -> Deployed:
        name = f"fn-{uuid.uuid4().hex[:8]}"
        role = iam.create_role(
            RoleName=f"{name}-role",
            AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": []}),
        )["Role"]["Arn"]
        # Lambda checks at configuration time that the role may write to the DLQ/destinations.
        iam.put_role_policy(
            RoleName=f"{name}-role",
            PolicyName="deliver",
            PolicyDocument=json.dumps(DELIVER_ANYWHERE),
        )
        queue_url = sqs.create_queue(QueueName=f"{name}-dlq")["QueueUrl"]
        queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])[
            "Attributes"
        ]["QueueArn"]
        fn = lam.create_function(
            FunctionName=name,
            Runtime="python3.12",
            Role=role,
            Handler="handler.lambda_handler",
            Code={"ZipFile": zip_source(source)},
            Timeout=timeout,
            DeadLetterConfig={"TargetArn": queue_arn},
            Environment={"Variables": env or {}},
        )
        config: dict[str, Any] = {}
        if retries is not None:
            config["MaximumRetryAttempts"] = retries
        if max_age is not None:
            config["MaximumEventAgeInSeconds"] = max_age
        if config:
            lam.put_function_event_invoke_config(FunctionName=name, **config)
        return Deployed(name, fn["FunctionArn"], queue_url, queue_arn)

    return _deploy


DELIVER_ANYWHERE = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Action": [
                "sqs:SendMessage",
                "sns:Publish",
                "lambda:InvokeFunction",
                "events:PutEvents",
            ],
            "Resource": "*",
        }
    ],
}

FAILING = """
def lambda_handler(event, context):
    print("Lambda event:", event)
    raise Exception("Something went wrong")
"""

SUCCEEDING = """
def lambda_handler(event, context):
    print("Lambda event:", event)
    return event["key1"]
"""
