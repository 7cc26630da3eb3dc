"""What IAM authorizes for each operation: the action(s), the resource ARN, the context keys.

For the services the test suite and the AWS provider call (Lambda, SQS, SNS, IAM, CloudWatch
Logs, EventBridge, S3, STS). The action is ``<service prefix>:<operation>`` except where the
Service Authorization Reference names another (the tables below); the resource is the ARN the
operation's parameters name, or "*" where the operation names none (List*, Describe* without a
name). docs/aws-behaviour.md, CI on an ephemeral account.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from . import moto_iam
from .caller_iam_requests import Call


@dataclass(frozen=True)
class Need:
    action: str
    resource: str
    context: dict[str, str] = field(default_factory=dict)


# IAM action prefixes that differ from botocore's service names.
_PREFIX = {"logs": "logs", "events": "events", "lambda": "lambda"}

# Operations whose IAM action is not the operation name.
_ACTION: dict[str, dict[str, str]] = {
    "lambda": {"Invoke": "InvokeFunction", "InvokeAsync": "InvokeFunction"},
    "sqs": {
        "SendMessageBatch": "SendMessage",
        "DeleteMessageBatch": "DeleteMessage",
        "ChangeMessageVisibilityBatch": "ChangeMessageVisibility",
    },
    # Amazon S3 User Guide, "Required permissions for Amazon S3 API operations".
    "s3": {
        "HeadBucket": "ListBucket",
        "ListObjects": "ListBucket",
        "ListObjectsV2": "ListBucket",
        "ListObjectVersions": "ListBucketVersions",
        "ListBuckets": "ListAllMyBuckets",
        "HeadObject": "GetObject",
        "GetBucketLifecycle": "GetLifecycleConfiguration",
        "PutBucketLifecycle": "PutLifecycleConfiguration",
        "GetBucketNotification": "GetBucketNotification",
        "PutBucketNotification": "PutBucketNotification",
        "DeleteObjects": "DeleteObject",
        "GetBucketCors": "GetBucketCORS",
        "PutBucketCors": "PutBucketCORS",
        "GetBucketAccelerateConfiguration": "GetAccelerateConfiguration",
        "GetBucketLifecycleConfiguration": "GetLifecycleConfiguration",
        "PutBucketLifecycleConfiguration": "PutLifecycleConfiguration",
        "GetBucketReplication": "GetReplicationConfiguration",
        "GetBucketEncryption": "GetEncryptionConfiguration",
        "PutBucketEncryption": "PutEncryptionConfiguration",
        "GetObjectLockConfiguration": "GetBucketObjectLockConfiguration",
        "GetPublicAccessBlock": "GetBucketPublicAccessBlock",
        "PutPublicAccessBlock": "PutBucketPublicAccessBlock",
        "DeletePublicAccessBlock": "PutBucketPublicAccessBlock",
        "GetBucketNotificationConfiguration": "GetBucketNotification",
        "PutBucketNotificationConfiguration": "PutBucketNotification",
        "DeleteBucketTagging": "PutBucketTagging",
        "DeleteBucketPolicy": "DeleteBucketPolicy",
    },
}

# Needs no permission at all ("No permissions are required to perform this operation").
_FREE = {("sts", "GetCallerIdentity")}


def needs(call: Call, account: str) -> list[Need]:
    """Every (action, resource) IAM checks for ``call``; [] if it needs no permission."""
    if (call.service, call.operation) in _FREE:
        return []
    prefix = _PREFIX.get(call.service, call.service)
    action = f"{prefix}:{_ACTION.get(call.service, {}).get(call.operation, call.operation)}"
    context = {"aws:RequestedRegion": call.region}
    resolve = _RESOURCES.get(call.service, _star)
    found = resolve(call, account)
    resources = found if isinstance(found, list) else [found]
    result = [Need(action, r, context) for r in resources]
    result += _passed_roles(call, account)
    result += _lambda_tags(call, result[0].resource if result else "*", context)
    return result


# -- resources per service -------------------------------------------------------------------


def _star(call: Call, account: str) -> str:
    return "*"


def _arn(call: Call, account: str, service: str, resource: str) -> str:
    return f"arn:aws:{service}:{call.region}:{account}:{resource}"


def _lambda(call: Call, account: str) -> str:
    p = call.params
    if "Resource" in p:  # TagResource, UntagResource, ListTags
        return str(p["Resource"])
    name = p.get("FunctionName")
    if not name:
        return "*"
    name = str(name)
    if name.startswith("arn:"):
        return name
    if ":function:" in name:  # a partial ARN: "<account>:function:<name>[:<qualifier>]"
        acct, _, rest = name.partition(":function:")
        return f"arn:aws:lambda:{call.region}:{acct}:function:{rest}"
    qualifier = p.get("Qualifier")
    suffix = f":{qualifier}" if qualifier else ""
    return _arn(call, account, "lambda", f"function:{name}{suffix}")


def _sqs(call: Call, account: str) -> str:
    p = call.params
    name = p.get("QueueName")
    url = p.get("QueueUrl")
    if url:
        parts = str(url).rstrip("/").split("/")
        name, account = parts[-1], parts[-2] if len(parts) >= 2 else account
    if not name:
        return "*"
    return _arn(call, account, "sqs", str(name))


def _sns(call: Call, account: str) -> str:
    p = call.params
    for key in ("TopicArn", "ResourceArn", "SubscriptionArn"):
        if p.get(key):
            return str(p[key])
    if call.operation == "CreateTopic" and p.get("Name"):
        return _arn(call, account, "sns", str(p["Name"]))
    return "*"


def _iam(call: Call, account: str) -> str:
    p = call.params
    if p.get("PolicyArn") and not p.get("RoleName"):
        return str(p["PolicyArn"])
    if p.get("RoleName"):
        name = str(p["RoleName"])
        path = p.get("Path") if call.operation == "CreateRole" else None
        path = path or moto_iam.iam_role_path(account, name) or "/"
        return f"arn:aws:iam::{account}:role{path}{name}"
    if p.get("UserName"):
        return f"arn:aws:iam::{account}:user/{p['UserName']}"
    if call.operation == "CreatePolicy" and p.get("PolicyName"):
        return f"arn:aws:iam::{account}:policy{p.get('Path') or '/'}{p['PolicyName']}"
    return "*"


def _logs(call: Call, account: str) -> str:
    p = call.params
    if p.get("resourceArn"):
        return str(p["resourceArn"])
    group = p.get("logGroupName") or p.get("logGroupIdentifier")
    if group and str(group).startswith("arn:"):
        return str(group).removesuffix(":*")
    if group:
        stream = p.get("logStreamName")
        tail = f":log-stream:{stream}" if stream and call.operation == "GetLogEvents" else ""
        return _arn(call, account, "logs", f"log-group:{group}{tail}")
    if call.operation in ("DescribeLogGroups",):
        return _arn(call, account, "logs", "log-group:*")
    return "*"


def _events(call: Call, account: str) -> str | list[str]:
    p = call.params
    if p.get("ResourceARN"):
        return str(p["ResourceARN"])
    if call.operation == "PutEvents":
        buses = {str(e.get("EventBusName") or "default") for e in p.get("Entries", [])}
        return [
            b if b.startswith("arn:") else _arn(call, account, "events", f"event-bus/{b}")
            for b in sorted(buses or {"default"})
        ]
    rule = p.get("Rule") or p.get("Name")
    if call.operation in ("ListRules", "ListRuleNamesByTarget"):
        return "*"
    if rule:
        bus = p.get("EventBusName")
        bus_part = f"{bus}/" if bus and bus != "default" else ""
        return _arn(call, account, "events", f"rule/{bus_part}{rule}")
    return "*"


def _s3(call: Call, account: str) -> str | list[str]:
    p = call.params
    bucket = p.get("Bucket")
    if not bucket:
        return "*"
    if call.operation == "DeleteObjects":
        # One s3:DeleteObject per key; the keys are in the XML body, which is not parsed here.
        return f"arn:aws:s3:::{bucket}/*"
    key = p.get("Key")
    return f"arn:aws:s3:::{bucket}/{key}" if key else f"arn:aws:s3:::{bucket}"


def _sts(call: Call, account: str) -> str:
    return str(call.params.get("RoleArn") or "*")


_RESOURCES: dict[str, Callable[[Call, str], Any]] = {
    "lambda": _lambda,
    "sqs": _sqs,
    "sns": _sns,
    "iam": _iam,
    "logs": _logs,
    "events": _events,
    "s3": _s3,
    "sts": _sts,
}


def _passed_roles(call: Call, account: str) -> list[Need]:
    """Handing Lambda a role is iam:PassRole on that role (IAM User Guide, "Grant a user
    permissions to pass a role to an AWS service")."""
    if call.service != "lambda" or call.operation not in (
        "CreateFunction",
        "UpdateFunctionConfiguration",
    ):
        return []
    role = call.params.get("Role")
    if not role:
        return []
    context = {"iam:PassedToService": "lambda.amazonaws.com"}
    return [Need("iam:PassRole", str(role), context)]


def _lambda_tags(call: Call, function_arn: str, context: dict[str, str]) -> list[Need]:
    """Lambda's own tag checks (Lambda Developer Guide, "Using tags on Lambda functions"): tags
    given to CreateFunction need lambda:TagResource; GetFunction of a tagged function needs
    lambda:ListTags (asked here for every GetFunction: the suite's functions are all tagged)."""
    if call.service != "lambda":
        return []
    if call.operation == "CreateFunction" and call.params.get("Tags"):
        return [Need("lambda:TagResource", function_arn, context)]
    if call.operation == "GetFunction":
        return [Need("lambda:ListTags", function_arn, context)]
    return []
