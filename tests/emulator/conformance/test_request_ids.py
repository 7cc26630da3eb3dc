"""Every answer names its request with a UUID, as AWS's do (docs/aws-behaviour.md, Error bodies
and request ids): the ``x-amzn-RequestId`` header, and for the query protocols the
``<RequestId>`` of the body as well, the same value. The operations are those Terraform, the
harness and the AWS CLI call, per service, successes and errors alike."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from ..conftest import zip_source
from ..raw_http import send

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "lambda.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
)


def _check(response: dict[str, Any]) -> None:
    metadata = response["ResponseMetadata"]
    header = metadata["HTTPHeaders"].get("x-amzn-requestid", "")
    assert UUID.fullmatch(header), (header, metadata)
    # botocore takes RequestId from the XML body for query protocols, else from the header.
    assert metadata["RequestId"] == header


def _calls(steps: list[tuple[str, Callable[[], Any]]]) -> None:
    for label, step in steps:
        try:
            response = step()
        except ClientError as error:
            response = error.response
        try:
            _check(response)
        except AssertionError as failure:
            raise AssertionError(f"{label}: {failure}") from None


def test_lambda(aws, deploy) -> None:
    lam = aws.client("lambda")
    fn = deploy("def lambda_handler(event, context):\n    return 1\n")
    name = fn.name
    _calls(
        [
            ("ListFunctions", lambda: lam.list_functions()),
            ("GetFunction", lambda: lam.get_function(FunctionName=name)),
            ("GetFunctionConfiguration", lambda: lam.get_function_configuration(FunctionName=name)),
            ("ListVersionsByFunction", lambda: lam.list_versions_by_function(FunctionName=name)),
            (
                "GetFunctionCodeSigningConfig",
                lambda: lam.get_function_code_signing_config(FunctionName=name),
            ),
            ("ListTags", lambda: lam.list_tags(Resource=fn.arn)),
            ("GetPolicy", lambda: lam.get_policy(FunctionName=name)),
            (
                "AddPermission",
                lambda: lam.add_permission(
                    FunctionName=name,
                    StatementId="s",
                    Action="lambda:InvokeFunction",
                    Principal="sns.amazonaws.com",
                ),
            ),
            (
                "PutFunctionEventInvokeConfig",
                lambda: lam.put_function_event_invoke_config(
                    FunctionName=name, MaximumRetryAttempts=0
                ),
            ),
            (
                "GetFunctionEventInvokeConfig",
                lambda: lam.get_function_event_invoke_config(FunctionName=name),
            ),
            ("Invoke", lambda: lam.invoke(FunctionName=name, Payload=b"{}")),
            (
                "Invoke Event",
                lambda: lam.invoke(FunctionName=name, Payload=b"{}", InvocationType="Event"),
            ),
            ("Invoke DryRun", lambda: lam.invoke(FunctionName=name, InvocationType="DryRun")),
            (
                "PutFunctionConcurrency",
                lambda: lam.put_function_concurrency(
                    FunctionName=name, ReservedConcurrentExecutions=5
                ),
            ),
            (
                "DeleteFunctionConcurrency",
                lambda: lam.delete_function_concurrency(FunctionName=name),
            ),
            (
                "UpdateFunctionConfiguration",
                lambda: lam.update_function_configuration(FunctionName=name, Timeout=5),
            ),
            (
                "UpdateFunctionCode",
                lambda: lam.update_function_code(
                    FunctionName=name,
                    ZipFile=zip_source("def lambda_handler(e, c):\n    return 2\n"),
                ),
            ),
            ("GetFunction missing", lambda: lam.get_function(FunctionName=f"{name}-missing")),
            ("DeleteFunction", lambda: lam.delete_function(FunctionName=name)),
        ]
    )


def test_sqs_json(aws) -> None:
    sqs = aws.client("sqs")
    name = f"ids-{uuid.uuid4().hex[:8]}"
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    _calls(
        [
            ("GetQueueUrl", lambda: sqs.get_queue_url(QueueName=name)),
            (
                "GetQueueAttributes",
                lambda: sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"]),
            ),
            (
                "SetQueueAttributes",
                lambda: sqs.set_queue_attributes(
                    QueueUrl=url, Attributes={"VisibilityTimeout": "5"}
                ),
            ),
            ("ListQueueTags", lambda: sqs.list_queue_tags(QueueUrl=url)),
            ("ListQueues", lambda: sqs.list_queues()),
            ("SendMessage", lambda: sqs.send_message(QueueUrl=url, MessageBody="m")),
            ("ReceiveMessage", lambda: sqs.receive_message(QueueUrl=url)),
            ("PurgeQueue", lambda: sqs.purge_queue(QueueUrl=url)),
            ("DeleteQueue", lambda: sqs.delete_queue(QueueUrl=url)),
            ("GetQueueUrl missing", lambda: sqs.get_queue_url(QueueName=f"{name}-missing")),
        ]
    )


@pytest.mark.parametrize(
    ("signing_name", "body"),
    [
        ("sqs", "Action=ListQueues&Version=2012-11-05"),
        ("sqs", "Action=GetQueueUrl&QueueName=nope-nope&Version=2012-11-05"),
        ("sns", "Action=ListTopics&Version=2010-03-31"),
        ("iam", "Action=ListRoles&Version=2010-05-08"),
        ("iam", "Action=GetRole&RoleName=nope-nope&Version=2010-05-08"),
        ("sts", "Action=GetCallerIdentity&Version=2011-06-15"),
    ],
)
def test_query_body_and_header_carry_one_uuid(emulator, signing_name, body) -> None:
    headers = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
    status, got, raw = send(
        emulator.port, "POST", "/", body.encode(), headers, signing_name=signing_name
    )
    in_body = re.findall(rb"<RequestId>([^<]*)</RequestId>", raw)
    assert UUID.fullmatch(got["x-amzn-requestid"]), got
    assert [i.decode() for i in in_body] == [got["x-amzn-requestid"]], raw[-200:]


def test_sns_iam_sts(aws) -> None:
    sns, iam, sts = aws.client("sns"), aws.client("iam"), aws.client("sts")
    topic = sns.create_topic(Name=f"ids-{uuid.uuid4().hex[:8]}")["TopicArn"]
    role = f"ids-{uuid.uuid4().hex[:8]}"
    iam.create_role(RoleName=role, AssumeRolePolicyDocument=TRUST)
    policy = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": "*"}],
        }
    )
    _calls(
        [
            ("GetTopicAttributes", lambda: sns.get_topic_attributes(TopicArn=topic)),
            ("ListTagsForResource", lambda: sns.list_tags_for_resource(ResourceArn=topic)),
            (
                "Subscribe",
                lambda: sns.subscribe(TopicArn=topic, Protocol="email", Endpoint="a@example.com"),
            ),
            ("ListSubscriptionsByTopic", lambda: sns.list_subscriptions_by_topic(TopicArn=topic)),
            ("Publish", lambda: sns.publish(TopicArn=topic, Message="m")),
            ("DeleteTopic", lambda: sns.delete_topic(TopicArn=topic)),
            ("GetTopicAttributes missing", lambda: sns.get_topic_attributes(TopicArn=topic)),
            ("GetRole", lambda: iam.get_role(RoleName=role)),
            (
                "PutRolePolicy",
                lambda: iam.put_role_policy(RoleName=role, PolicyName="p", PolicyDocument=policy),
            ),
            ("GetRolePolicy", lambda: iam.get_role_policy(RoleName=role, PolicyName="p")),
            ("ListRolePolicies", lambda: iam.list_role_policies(RoleName=role)),
            ("ListAttachedRolePolicies", lambda: iam.list_attached_role_policies(RoleName=role)),
            (
                "ListInstanceProfilesForRole",
                lambda: iam.list_instance_profiles_for_role(RoleName=role),
            ),
            ("DeleteRolePolicy", lambda: iam.delete_role_policy(RoleName=role, PolicyName="p")),
            ("DeleteRole", lambda: iam.delete_role(RoleName=role)),
            ("GetRole missing", lambda: iam.get_role(RoleName=role)),
            ("GetCallerIdentity", lambda: sts.get_caller_identity()),
        ]
    )


def test_logs_and_events(aws) -> None:
    logs, events = aws.client("logs"), aws.client("events")
    group = f"/aws/lambda/ids-{uuid.uuid4().hex[:8]}"
    _calls(
        [
            ("CreateLogGroup", lambda: logs.create_log_group(logGroupName=group)),
            (
                "PutRetentionPolicy",
                lambda: logs.put_retention_policy(logGroupName=group, retentionInDays=1),
            ),
            ("DescribeLogGroups", lambda: logs.describe_log_groups(logGroupNamePrefix=group)),
            ("ListTagsLogGroup", lambda: logs.list_tags_log_group(logGroupName=group)),
            ("FilterLogEvents", lambda: logs.filter_log_events(logGroupName=group)),
            ("DeleteLogGroup", lambda: logs.delete_log_group(logGroupName=group)),
            ("DeleteLogGroup missing", lambda: logs.delete_log_group(logGroupName=group)),
            ("ListEventBuses", lambda: events.list_event_buses()),
            ("DescribeEventBus", lambda: events.describe_event_bus()),
            (
                "PutEvents",
                lambda: events.put_events(
                    Entries=[{"Source": "s", "DetailType": "d", "Detail": "{}"}]
                ),
            ),
            ("DescribeEventBus missing", lambda: events.describe_event_bus(Name="nope-nope")),
        ]
    )
