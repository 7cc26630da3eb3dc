"""The aws profile's IAM eventual consistency (iam_propagation.py): a new role cannot be assumed,
and a changed policy applies to Lambda's checks, only after iam_propagation_s. Real boto3 against
an in-process emulator started with the profile."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError

from asyncdlq.emulator import iam_propagation, permissions
from asyncdlq.emulator.profile import AWS, PLAIN, parse_profile

from .conftest import LAMBDA_TRUST, TIME_SCALE, Aws, profiled_emulator, wait_active, zip_source

WINDOW_S = 80 * TIME_SCALE  # iam_propagation_s=80: 0.8 s here
ACCOUNT = "123456789012"
# AWS's texts (docs/aws-behaviour.md, The aws emulator profile: SQS and IAM).
NOT_ASSUMABLE = "The role defined for the function cannot be assumed by Lambda."
DLQ_DENIED = "The provided execution role does not have permissions to call SendMessage on SQS"


@pytest.fixture
def slow_iam() -> Iterator[Aws]:
    with profiled_emulator(parse_profile("aws:iam_propagation_s=80")) as (aws, _):
        yield aws


def _settle(since: float) -> None:
    time.sleep(max(0.0, since + WINDOW_S + 0.05 - time.monotonic()))


def _role(iam: Any) -> str:
    name = f"role-{uuid.uuid4().hex[:8]}"
    return str(
        iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(LAMBDA_TRUST))["Role"][
            "Arn"
        ]
    )


def _allow_send(iam: Any, role_arn: str) -> None:
    document = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": "*"}],
    }
    iam.put_role_policy(
        RoleName=role_arn.rsplit("/", 1)[1], PolicyName="send", PolicyDocument=json.dumps(document)
    )


def _create_function(lam: Any, role_arn: str, **extra: Any) -> str:
    name = f"fn-{uuid.uuid4().hex[:8]}"
    lam.create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=role_arn,
        Handler="handler.lambda_handler",
        Code={"ZipFile": zip_source("def lambda_handler(e, c):\n    return e\n")},
        **extra,
    )
    return name


def _error(call: Any, **kwargs: Any) -> dict[str, Any]:
    with pytest.raises(ClientError) as refused:
        call(**kwargs)
    return dict(refused.value.response["Error"])


def test_the_aws_profile_delays_iam_and_plain_does_not() -> None:
    assert AWS.iam_propagation_s > 0
    assert iam_propagation.install(PLAIN, 1.0) is None  # plain installs nothing


def test_a_new_role_cannot_be_assumed_until_it_propagates(slow_iam: Aws) -> None:
    iam, lam = slow_iam.client("iam"), slow_iam.client("lambda")
    role = _role(iam)
    created = time.monotonic()  # after the answer: IAM records the role before it
    error = _error(_create_function, lam=lam, role_arn=role)
    assert error == {"Code": "InvalidParameterValueException", "Message": NOT_ASSUMABLE}
    _settle(created)
    wait_active(lam, _create_function(lam, role))


def test_a_new_role_in_update_function_configuration_waits_too(slow_iam: Aws) -> None:
    iam, lam = slow_iam.client("iam"), slow_iam.client("lambda")
    old = _role(iam)
    created = time.monotonic()
    _settle(created)
    name = _create_function(lam, old)
    wait_active(lam, name)
    new = _role(iam)
    error = _error(lam.update_function_configuration, FunctionName=name, Role=new)
    assert error["Message"] == NOT_ASSUMABLE
    assert lam.get_function_configuration(FunctionName=name)["Role"] == old


def test_a_just_added_send_message_statement_does_not_count_yet(slow_iam: Aws) -> None:
    iam, lam, sqs = slow_iam.client("iam"), slow_iam.client("lambda"), slow_iam.client("sqs")
    queue = sqs.create_queue(QueueName=f"dlq-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    role = _role(iam)
    created = time.monotonic()  # after the answer: IAM records the role before it
    _settle(created)
    name = _create_function(lam, role)
    wait_active(lam, name)
    _allow_send(iam, role)
    added = time.monotonic()
    dlq = {"DeadLetterConfig": {"TargetArn": queue_arn}}
    error = _error(lam.update_function_configuration, FunctionName=name, **dlq)
    assert error == {"Code": "InvalidParameterValueException", "Message": DLQ_DENIED}
    # A destination is checked against the same old policies.
    on_failure = {"OnFailure": {"Destination": queue_arn}}
    error = _error(
        lam.put_function_event_invoke_config, FunctionName=name, DestinationConfig=on_failure
    )
    assert error["Message"] == permissions.DESTINATION_DENIED.format(
        action="SendMessage", arn=queue_arn
    )
    _settle(added)
    lam.update_function_configuration(FunctionName=name, **dlq)
    lam.put_function_event_invoke_config(FunctionName=name, DestinationConfig=on_failure)


def test_a_removed_statement_still_counts_for_a_while(slow_iam: Aws) -> None:
    iam = slow_iam.client("iam")
    queue = f"arn:aws:sqs:us-east-1:{ACCOUNT}:q"
    role = _role(iam)
    created = time.monotonic()  # after the answer: IAM records the role before it
    assert not permissions.role_may(ACCOUNT, role, "sqs:SendMessage", queue)  # not even a role
    _settle(created)
    _allow_send(iam, role)
    changed = time.monotonic()
    assert not permissions.role_may(ACCOUNT, role, "sqs:SendMessage", queue)
    _settle(changed)
    assert permissions.role_may(ACCOUNT, role, "sqs:SendMessage", queue)
    iam.delete_role_policy(RoleName=role.rsplit("/", 1)[1], PolicyName="send")
    removed = time.monotonic()
    assert permissions.role_may(ACCOUNT, role, "sqs:SendMessage", queue)  # the old state
    _settle(removed)
    assert not permissions.role_may(ACCOUNT, role, "sqs:SendMessage", queue)


def test_attached_policies_propagate_alike(slow_iam: Aws) -> None:
    iam = slow_iam.client("iam")
    topic = f"arn:aws:sns:us-east-1:{ACCOUNT}:t"
    document = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "sns:Publish", "Resource": "*"}],
    }
    policy = iam.create_policy(
        PolicyName=f"p-{uuid.uuid4().hex[:8]}", PolicyDocument=json.dumps(document)
    )["Policy"]["Arn"]
    role = _role(iam)
    created = time.monotonic()  # after the answer: IAM records the role before it
    _settle(created)
    role_name = role.rsplit("/", 1)[1]
    iam.attach_role_policy(RoleName=role_name, PolicyArn=policy)
    attached = time.monotonic()
    assert not permissions.role_may(ACCOUNT, role, "sns:Publish", topic)
    _settle(attached)
    assert permissions.role_may(ACCOUNT, role, "sns:Publish", topic)
    iam.detach_role_policy(RoleName=role_name, PolicyArn=policy)
    detached = time.monotonic()
    assert permissions.role_may(ACCOUNT, role, "sns:Publish", topic)
    _settle(detached)
    assert not permissions.role_may(ACCOUNT, role, "sns:Publish", topic)


def test_a_plain_emulator_sees_iam_at_once(aws: Aws) -> None:
    iam, lam = aws.client("iam"), aws.client("lambda")
    role = _role(iam)
    wait_active(lam, _create_function(lam, role))
    _allow_send(iam, role)
    assert permissions.role_may(ACCOUNT, role, "sqs:SendMessage", "arn:aws:sqs:us-east-1:1:q")


def test_uninstalling_puts_moto_back() -> None:
    from moto.iam.models import IAMBackend

    before = IAMBackend.__dict__["put_role_policy"]
    with profiled_emulator(parse_profile("aws:iam_propagation_s=80")):
        assert IAMBackend.__dict__["put_role_policy"] is not before
    assert IAMBackend.__dict__["put_role_policy"] is before
    assert iam_propagation.active() is None


def test_history_windows_on_a_clock_the_test_moves() -> None:
    now = [100.0]
    history = iam_propagation.IamHistory(8.0, clock=lambda: now[0])
    arn = f"arn:aws:iam::{ACCOUNT}:role/missing-{uuid.uuid4().hex[:8]}"
    history.role_created(ACCOUNT, arn)
    assert history.documents_seen(ACCOUNT, arn, ["new"]) is None
    now[0] += 8.5
    assert history.documents_seen(ACCOUNT, arn, ["new"]) == ["new"]
    history.policies_changing(ACCOUNT, arn)  # moto has no such role: it was None before
    now[0] += 1
    assert history.documents_seen(ACCOUNT, arn, ["newer"]) is None
    now[0] += 8
    assert history.documents_seen(ACCOUNT, arn, ["newer"]) == ["newer"]
