"""The execution role's permissions, read from the running emulator's IAM (docs/aws-behaviour.md,
Dead-letter queues; Destinations and dead-letter targets)."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest

from asyncdlq.emulator import permissions
from asyncdlq.emulator.moto_glue import InvalidParameterValueException

from .conftest import Aws

ACCOUNT = "123456789012"
QUEUE = f"arn:aws:sqs:us-east-1:{ACCOUNT}:perm-dlq"
TOPIC = f"arn:aws:sns:us-east-1:{ACCOUNT}:perm-topic"
FUNCTION = f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:perm-target"
BUS = f"arn:aws:events:us-east-1:{ACCOUNT}:event-bus/default"
BUCKET = "arn:aws:s3:::perm-bucket"


def _doc(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


@pytest.fixture
def make_role(aws: Aws) -> Any:
    iam = aws.client("iam")

    def _make(inline: list[dict[str, Any]] = (), managed: list[dict[str, Any]] = ()) -> str:  # type: ignore[assignment]
        name = f"perm-{uuid.uuid4().hex[:8]}"
        arn = iam.create_role(
            RoleName=name,
            Path="/service-role/",
            AssumeRolePolicyDocument=_doc(
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "lambda.amazonaws.com"},
                    "Action": "sts:AssumeRole",
                }
            ),
        )["Role"]["Arn"]
        for i, statement in enumerate(inline):
            iam.put_role_policy(
                RoleName=name, PolicyName=f"inline{i}", PolicyDocument=_doc(statement)
            )
        for i, statement in enumerate(managed):
            policy = iam.create_policy(PolicyName=f"{name}-m{i}", PolicyDocument=_doc(statement))
            iam.attach_role_policy(RoleName=name, PolicyArn=policy["Policy"]["Arn"])
        return arn

    return _make


def _allow(action: str, resource: str) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource}


def test_role_policies_gathers_inline_and_attached(make_role: Any) -> None:
    role = make_role(
        inline=[_allow("sqs:SendMessage", QUEUE)], managed=[_allow("sns:Publish", TOPIC)]
    )
    policies = permissions.role_policies(ACCOUNT, role)
    assert len(policies) == 2
    assert all(isinstance(p, dict) and "Statement" in p for p in policies)
    assert permissions.role_may(ACCOUNT, role, "sqs:SendMessage", QUEUE)
    assert permissions.role_may(ACCOUNT, role, "sns:publish", TOPIC)
    assert not permissions.role_may(ACCOUNT, role, "sqs:SendMessage", TOPIC)


def test_a_missing_role_may_do_nothing() -> None:
    role = f"arn:aws:iam::{ACCOUNT}:role/does-not-exist"
    assert permissions.role_policies(ACCOUNT, role) == []
    assert not permissions.role_may(ACCOUNT, role, "sqs:SendMessage", QUEUE)


def test_only_the_default_version_of_a_managed_policy_counts(aws: Aws, make_role: Any) -> None:
    iam = aws.client("iam")
    role = make_role(managed=[_allow("sqs:SendMessage", QUEUE)])
    name = role.rsplit("/", 1)[1]
    policy_arn = iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"][0]["PolicyArn"]
    iam.create_policy_version(
        PolicyArn=policy_arn, PolicyDocument=_doc(_allow("sns:Publish", TOPIC)), SetAsDefault=True
    )
    assert not permissions.role_may(ACCOUNT, role, "sqs:SendMessage", QUEUE)
    assert permissions.role_may(ACCOUNT, role, "sns:Publish", TOPIC)


def test_an_explicit_deny_in_a_managed_policy_beats_an_inline_allow(make_role: Any) -> None:
    role = make_role(
        inline=[_allow("sqs:*", "*")],
        managed=[{"Effect": "Deny", "Action": "sqs:SendMessage", "Resource": QUEUE}],
    )
    assert not permissions.role_may(ACCOUNT, role, "sqs:SendMessage", QUEUE)
    assert permissions.role_may(ACCOUNT, role, "sqs:SendMessage", QUEUE + "-other")


# -- dead-letter targets (docs/aws-behaviour.md, Dead-letter queues) -------------------------------


def test_dead_letter_sqs_and_sns_pass_with_the_right_permission(make_role: Any) -> None:
    role = make_role(inline=[_allow("sqs:SendMessage", QUEUE), _allow("sns:Publish", TOPIC)])
    permissions.check_dead_letter_target(ACCOUNT, role, QUEUE)
    permissions.check_dead_letter_target(ACCOUNT, role, TOPIC)


@pytest.mark.parametrize(
    ("target", "message"),
    [
        (QUEUE, "The provided execution role does not have permissions to call SendMessage on SQS"),
        (TOPIC, "The provided execution role does not have permissions to call Publish on SNS"),
    ],
)
def test_dead_letter_without_permission_is_refused_with_aws_text(
    make_role: Any, target: str, message: str
) -> None:
    role = make_role(inline=[_allow("sqs:ReceiveMessage", QUEUE), _allow("sns:Subscribe", TOPIC)])
    with pytest.raises(InvalidParameterValueException) as err:
        permissions.check_dead_letter_target(ACCOUNT, role, target)
    assert err.value.error_type == "InvalidParameterValueException"
    assert err.value.message == message


def test_dead_letter_of_another_service_is_refused(make_role: Any) -> None:
    role = make_role(inline=[_allow("*", "*")])
    with pytest.raises(InvalidParameterValueException) as err:
        permissions.check_dead_letter_target(ACCOUNT, role, FUNCTION)
    assert FUNCTION in err.value.message


# -- destinations (docs/aws-behaviour.md, Destinations and dead-letter targets) --------------------

DESTINATIONS = [
    (QUEUE, "sqs:SendMessage", "SendMessage"),
    (TOPIC, "sns:Publish", "Publish"),
    (FUNCTION, "lambda:InvokeFunction", "InvokeFunction"),
    (BUS, "events:PutEvents", "PutEvents"),
    (BUCKET, "s3:PutObject", "PutObject"),
]


@pytest.mark.parametrize(("arn", "action", "name"), DESTINATIONS)
def test_destination_needs_its_action(make_role: Any, arn: str, action: str, name: str) -> None:
    resource = f"{arn}/*" if arn == BUCKET else arn
    permissions.check_destination(ACCOUNT, make_role(inline=[_allow(action, resource)]), arn)
    with pytest.raises(InvalidParameterValueException) as err:
        permissions.check_destination(ACCOUNT, make_role(inline=[_allow("logs:*", "*")]), arn)
    assert err.value.message == (
        f"The function's execution role does not have permissions to call {name} on {arn}"
    )


def test_destination_permission_may_come_from_an_attached_wildcard_policy(make_role: Any) -> None:
    role = make_role(managed=[_allow("lambda:Invoke*", "arn:aws:lambda:*:*:function:perm-*")])
    permissions.check_destination(ACCOUNT, role, FUNCTION)
