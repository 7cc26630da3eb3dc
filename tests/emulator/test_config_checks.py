"""Lambda refuses, at configuration time, a DLQ or destination the execution role cannot write to
(docs/aws-behaviour.md, Dead-letter queues; Destinations and dead-letter targets): the check runs in
the API, end to end, with AWS's codes and texts."""

from __future__ import annotations

import json
import uuid

import pytest
from botocore.exceptions import ClientError

from .conftest import SUCCEEDING, zip_source


def _role(aws, statements: list[dict]) -> str:
    iam = aws.client("iam")
    name = f"r-{uuid.uuid4().hex[:8]}"
    arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    if statements:
        iam.put_role_policy(
            RoleName=name,
            PolicyName="p",
            PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": statements}),
        )
    return arn


def _queue_arn(aws) -> str:
    sqs = aws.client("sqs")
    url = sqs.create_queue(QueueName=f"q-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    return sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]


def _create(aws, role: str, dlq: str) -> str:
    name = f"fn-{uuid.uuid4().hex[:8]}"
    aws.client("lambda").create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=role,
        Handler="handler.lambda_handler",
        Code={"ZipFile": zip_source(SUCCEEDING)},
        DeadLetterConfig={"TargetArn": dlq},
    )
    return name


def test_create_function_refuses_a_dlq_the_role_cannot_send_to(aws) -> None:
    queue = _queue_arn(aws)
    with pytest.raises(ClientError) as caught:
        _create(aws, _role(aws, []), queue)
    assert caught.value.response["Error"]["Code"] == "InvalidParameterValueException"
    assert caught.value.response["Error"]["Message"] == (
        "The provided execution role does not have permissions to call SendMessage on SQS"
    )
    lowercase = {"Effect": "Allow", "Action": "SQS:sendmessage", "Resource": queue}
    assert _create(aws, _role(aws, [lowercase]), queue)  # actions are case-insensitive


def test_an_explicit_deny_wins_over_an_allow(aws) -> None:
    queue = _queue_arn(aws)
    allow = {"Effect": "Allow", "Action": "sqs:*", "Resource": "*"}
    deny = {"Effect": "Deny", "Action": "sqs:Send?essage", "Resource": queue}
    with pytest.raises(ClientError) as caught:
        _create(aws, _role(aws, [allow, deny]), queue)
    assert "SendMessage on SQS" in caught.value.response["Error"]["Message"]


def test_update_function_configuration_checks_the_new_dlq(aws) -> None:
    allowed = _queue_arn(aws)
    role = _role(aws, [{"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": allowed}])
    name = _create(aws, role, allowed)
    with pytest.raises(ClientError) as caught:
        aws.client("lambda").update_function_configuration(
            FunctionName=name, DeadLetterConfig={"TargetArn": _queue_arn(aws)}
        )
    assert caught.value.response["Error"]["Message"] == (
        "The provided execution role does not have permissions to call SendMessage on SQS"
    )


def test_a_destination_the_role_cannot_write_to_is_refused(aws) -> None:
    dlq = _queue_arn(aws)
    role = _role(aws, [{"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": dlq}])
    name = _create(aws, role, dlq)
    destination = _queue_arn(aws)
    with pytest.raises(ClientError) as caught:
        aws.client("lambda").put_function_event_invoke_config(
            FunctionName=name,
            DestinationConfig={"OnFailure": {"Destination": destination}},
        )
    assert caught.value.response["Error"]["Code"] == "InvalidParameterValueException"
    assert caught.value.response["Error"]["Message"] == (
        f"The function's execution role does not have permissions to call SendMessage on "
        f"{destination}"
    )


def test_the_function_cannot_be_its_own_destination(aws) -> None:
    dlq = _queue_arn(aws)
    role = _role(aws, [{"Effect": "Allow", "Action": "*", "Resource": "*"}])
    name = _create(aws, role, dlq)
    lam = aws.client("lambda")
    arn = lam.get_function(FunctionName=name)["Configuration"]["FunctionArn"]
    with pytest.raises(ClientError) as caught:
        lam.put_function_event_invoke_config(
            FunctionName=name, DestinationConfig={"OnSuccess": {"Destination": arn}}
        )
    assert caught.value.response["Error"]["Message"] == (
        "You can't specify the function as a destination for itself."
    )
