"""The in-process emulator every test process shares: one per process, because the emulator
installs itself into moto's (process-wide) backends, so a second one would take over the first's
requests."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from asyncdlq.emulator.server import EmulatorServer
from tests.emulator.conftest import DELIVER_ANYWHERE, TIME_SCALE, Aws, Deployed, zip_source


@pytest.fixture(scope="session")
def emulator() -> Iterator[EmulatorServer]:
    server = EmulatorServer("127.0.0.1", 0, time_scale=TIME_SCALE, async_payload_limit=4096).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def aws(emulator: EmulatorServer) -> Aws:
    return Aws(emulator.endpoint_url)


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
