"""resource_policies.may_invoke: who may invoke a function under its resource-based policy.

The statements below are shaped as AWS answered AddPermission/GetPolicy, recorded in
localstack/localstack tests/aws/services/lambda_/test_lambda_api.snapshot.json (keys named per
statement; LocalStack masks account ids as 111111111111 and names as <...>, filled in here)."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest

from asyncdlq.emulator import moto_glue
from asyncdlq.emulator.resource_policies import may_invoke
from asyncdlq.emulator.server import EmulatorServer

from .conftest import SUCCEEDING, Aws, wait_active, zip_source

ACCOUNT = "111111111111"
FN = f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:my-fn"
TOPIC = f"arn:aws:sns:us-east-1:{ACCOUNT}:my-topic"
SNS = "sns.amazonaws.com"

# TestLambdaPermissions::test_add_lambda_permission_aws, "get_policy" (Principal s3, unqualified).
S3_STATEMENT = {
    "Sid": "s3",
    "Effect": "Allow",
    "Principal": {"Service": "s3.amazonaws.com"},
    "Action": "lambda:InvokeFunction",
    "Resource": FN,
    "Condition": {"ArnLike": {"AWS:SourceArn": "arn:aws:s3:::test-bucket"}},
}
# TestLambdaPermissions::test_add_lambda_permission_fields, "add_permission_principal_service"
# (SourceAccount becomes StringEquals AWS:SourceAccount), with the SNS principal.
SNS_FROM_ACCOUNT = {
    "Sid": "sns",
    "Effect": "Allow",
    "Principal": {"Service": SNS},
    "Action": "lambda:InvokeFunction",
    "Resource": FN,
    "Condition": {"StringEquals": {"AWS:SourceAccount": ACCOUNT}},
}
# Same test, "add_permission_principal_wildcard": Principal "*".
WILDCARD_PRINCIPAL = {**SNS_FROM_ACCOUNT, "Sid": "wilcard", "Principal": "*"}
# TestLambdaPermissions::test_remove_multi_permissions, "policy_after_removal": no Condition.
NO_CONDITION = {k: v for k, v in S3_STATEMENT.items() if k != "Condition"}


def policy(*statements: dict[str, Any]) -> dict[str, Any]:
    # GetPolicy's document: test_add_lambda_permission_aws, "get_policy".
    return {"Version": "2012-10-17", "Id": "default", "Statement": list(statements)}


def sns_from_topic(**changes: Any) -> dict[str, Any]:
    return {
        **S3_STATEMENT,
        "Sid": "sns",
        "Principal": {"Service": SNS},
        "Condition": {"ArnLike": {"AWS:SourceArn": TOPIC}},
        **changes,
    }


def test_matching_statement_allows() -> None:
    decision = may_invoke(policy(sns_from_topic()), SNS, TOPIC, ACCOUNT, FN)
    assert decision.allowed and decision.reason == "allowed by statement sns"


def test_no_policy_denies() -> None:
    decision = may_invoke(None, SNS, TOPIC, ACCOUNT, FN)
    assert not decision.allowed and decision.reason.endswith(
        f"to invoke {FN}; the function has no resource-based policy"
    )


def test_wrong_source_arn_denies() -> None:
    decision = may_invoke(policy(sns_from_topic()), SNS, TOPIC + "-other", ACCOUNT, FN)
    assert not decision.allowed
    assert decision.reason.startswith(f"no permission for {SNS} from {TOPIC}-other")
    assert "statement sns has conditions not met: ArnLike" in decision.reason


def test_wrong_source_account_denies() -> None:
    assert may_invoke(policy(SNS_FROM_ACCOUNT), SNS, TOPIC, ACCOUNT, FN).allowed
    decision = may_invoke(policy(SNS_FROM_ACCOUNT), SNS, TOPIC, "222222222222", FN)
    assert not decision.allowed and "StringEquals" in decision.reason


def test_other_principal_denies() -> None:
    decision = may_invoke(policy(S3_STATEMENT), SNS, "arn:aws:s3:::test-bucket", ACCOUNT, FN)
    assert not decision.allowed
    assert decision.reason == (
        f"no permission for {SNS} from arn:aws:s3:::test-bucket (account {ACCOUNT}) to invoke {FN}"
    )


def test_s3_statement_allows_its_bucket() -> None:
    assert may_invoke(policy(S3_STATEMENT), "s3.amazonaws.com", "arn:aws:s3:::test-bucket",
                      ACCOUNT, FN).allowed  # fmt: skip


def test_wildcard_principal_and_no_condition() -> None:
    assert may_invoke(policy(WILDCARD_PRINCIPAL), SNS, TOPIC, ACCOUNT, FN).allowed
    assert may_invoke(policy(NO_CONDITION), "s3.amazonaws.com", "arn:aws:s3:::x", ACCOUNT, FN)


@pytest.mark.parametrize(
    ("pattern", "allowed"),
    [
        (f"arn:aws:sns:us-east-1:{ACCOUNT}:my-*", True),
        (f"arn:aws:sns:*:{ACCOUNT}:*", True),
        (f"arn:aws:sns:us-east-1:{ACCOUNT}:my-topi?", True),
        (f"arn:aws:sns:us-east-1:{ACCOUNT}:other-*", False),
        ("arn:aws:sns:us-east-1:222222222222:*", False),
    ],
)
def test_arn_like_wildcards(pattern: str, allowed: bool) -> None:
    statement = sns_from_topic(Condition={"ArnLike": {"AWS:SourceArn": pattern}})
    assert may_invoke(policy(statement), SNS, TOPIC, ACCOUNT, FN).allowed is allowed


def test_arn_equals_and_lower_case_condition_key() -> None:
    statement = sns_from_topic(Condition={"ArnEquals": {"aws:sourcearn": TOPIC}})
    assert may_invoke(policy(statement), SNS, TOPIC, ACCOUNT, FN).allowed


@pytest.mark.parametrize(
    ("action", "allowed"),
    [("lambda:InvokeFunction", True), ("lambda:*", True), ("*", True),
     ("lambda:InvokeFunctionUrl", False), ("lambda:GetFunction", False)],
)  # fmt: skip
def test_action(action: str, allowed: bool) -> None:
    decision = may_invoke(policy(sns_from_topic(Action=action)), SNS, TOPIC, ACCOUNT, FN)
    assert decision.allowed is allowed
    if not allowed:
        assert "statement sns does not grant lambda:InvokeFunction" in decision.reason


def test_unqualified_permission_covers_only_the_unqualified_arn() -> None:
    # The permission is valid only for the ARN it was added on (docs/aws-behaviour.md,
    # Resource-based permissions for triggers).
    document = policy(sns_from_topic())
    assert may_invoke(document, SNS, TOPIC, ACCOUNT, FN).allowed
    assert may_invoke(document, SNS, TOPIC, ACCOUNT, FN + ":$LATEST").allowed  # unconfirmed
    decision = may_invoke(document, SNS, TOPIC, ACCOUNT, FN + ":1")
    assert not decision.allowed and f"statement sns is for {FN}" in decision.reason
    assert not may_invoke(document, SNS, TOPIC, ACCOUNT, FN + ":prod").allowed


def test_qualified_permission_covers_only_its_qualifier() -> None:
    # test_lambda_permission_fn_versioning, "get_policy_alias": Resource ends in the alias.
    document = policy(sns_from_topic(Resource=FN + ":permission-alias"))
    assert may_invoke(document, SNS, TOPIC, ACCOUNT, FN + ":permission-alias").allowed
    assert not may_invoke(document, SNS, TOPIC, ACCOUNT, FN).allowed
    assert not may_invoke(document, SNS, TOPIC, ACCOUNT, FN + ":1").allowed  # the alias' version


def test_explicit_deny_wins() -> None:
    deny = sns_from_topic(Sid="no", Effect="Deny")
    decision = may_invoke(policy(sns_from_topic(), deny), SNS, TOPIC, ACCOUNT, FN)
    assert not decision.allowed and decision.reason == f"statement no denies {SNS}"


def test_account_principals() -> None:
    # test_add_lambda_permission_fields, "add_permission_principal_account": {"AWS": ...:root};
    # moto keeps the bare account id.
    for principal in ({"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, ACCOUNT):
        statement = {**NO_CONDITION, "Principal": principal}
        assert may_invoke(policy(statement), ACCOUNT, TOPIC, ACCOUNT, FN).allowed
        assert not may_invoke(policy(statement), SNS, TOPIC, ACCOUNT, FN).allowed
        assert not may_invoke(policy(statement), "222222222222", TOPIC, ACCOUNT, FN).allowed


def test_policy_as_json_string_and_single_statement() -> None:
    document = json.dumps({"Version": "2012-10-17", "Statement": sns_from_topic()})
    assert may_invoke(document, SNS, TOPIC, ACCOUNT, FN).allowed


def test_through_boto3(aws: Aws, emulator: EmulatorServer) -> None:
    """AddPermission through the emulator, read back from moto, evaluated."""
    lam, iam = aws.client("lambda"), aws.client("iam")

    name = f"fn-{uuid.uuid4().hex[:8]}"
    role = iam.create_role(RoleName=f"{name}-role", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    arn = lam.create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=role,
        Handler="handler.lambda_handler",
        Code={"ZipFile": zip_source(SUCCEEDING)},
    )["FunctionArn"]
    wait_active(lam, name)
    account = arn.split(":")[4]
    topic = f"arn:aws:sns:us-east-1:{account}:{name}-topic"
    backend = emulator.emulator.lambdas.backend(account, "us-east-1")
    assert moto_glue.lambda_resource_policy(backend, name, None) is None

    lam.add_permission(FunctionName=name, StatementId="sns", Action="lambda:InvokeFunction",
                       Principal=SNS, SourceArn=topic, SourceAccount=account)  # fmt: skip
    document = moto_glue.lambda_resource_policy(backend, name, None)
    assert document is not None
    # AWS's statement shape: test_add_lambda_permission_aws "get_policy" (ArnLike) and
    # test_add_lambda_permission_fields "add_permission_optional_fields" (StringEquals beside it).
    assert document["Statement"] == [
        {
            "Sid": "sns",
            "Effect": "Allow",
            "Principal": {"Service": SNS},
            "Action": "lambda:InvokeFunction",
            "Resource": arn,
            "Condition": {
                "ArnLike": {"AWS:SourceArn": topic},
                "StringEquals": {"AWS:SourceAccount": account},
            },
        }
    ]
    assert may_invoke(document, SNS, topic, account, arn).allowed
    assert not may_invoke(document, SNS, topic + "x", account, arn).allowed
    assert not may_invoke(document, "events.amazonaws.com", topic, account, arn).allowed

    lam.publish_version(FunctionName=name)
    on_version = moto_glue.lambda_resource_policy(backend, name, "1")
    # moto shares $LATEST's statements with the version (AWS: none); the Resource keeps the
    # grant on the unqualified ARN only.
    assert not may_invoke(on_version, SNS, topic, account, arn + ":1").allowed

    lam.remove_permission(FunctionName=name, StatementId="sns")
    assert moto_glue.lambda_resource_policy(backend, name, None) is None
