"""boto3 clients for a target, a queue's name from its URL, and the check that nothing of a stack
is left after destroy.

Invoking, reading queues and reading logs are in invoker.py, messages.py and logs.py, and bound to
a test session's target in the fixtures of invocation_fixtures.py. These helpers take clients
rather than a target so a test can point them at any account or endpoint, and they never touch
os.environ, so tests against the emulator and against AWS can share a process.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import boto3
import botocore.session
from botocore.config import Config
from botocore.exceptions import ClientError

from ..target import LOCAL_CREDENTIALS, Target

_SQS_MISSING = {"AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist"}


@dataclass(frozen=True)
class Clients:
    """boto3 clients for one target, sharing one session."""

    session: boto3.Session
    endpoint_url: str | None
    config: Config = field(repr=False)
    # One client per service: tests read .logs/.sqs in polling loops, and creating a client
    # costs tens of milliseconds.
    _made: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def client(self, service: str) -> Any:
        if service not in self._made:
            self._made[service] = self.session.client(
                service, endpoint_url=self.endpoint_url, config=self.config
            )
        return self._made[service]

    @property
    def lambda_(self) -> Any:
        return self.client("lambda")

    @property
    def sqs(self) -> Any:
        return self.client("sqs")

    @property
    def logs(self) -> Any:
        return self.client("logs")

    @property
    def iam(self) -> Any:
        return self.client("iam")


def clients(target: Target, *, config: Config | None = None) -> Clients:
    """Clients for ``target``: the emulator's endpoint and dummy keys, or AWS's default chain."""
    # read_timeout above SQS's longest long poll (20 s) so a ReceiveMessage never times out.
    config = config or Config(retries={"mode": "standard", "max_attempts": 5}, read_timeout=70)
    if not target.is_local:
        # An AWS_ENDPOINT_URL left over from `eval "$(make env)"` must not send a TARGET=aws
        # run to the emulator.
        config = config.merge(Config(ignore_configured_endpoint_urls=True))
        return Clients(boto3.Session(region_name=target.region), None, config)
    # Drop the AWS_PROFILE lookup: a user's profile that doesn't exist would otherwise fail
    # client creation even though the explicit keys below are all a local run uses.
    core = botocore.session.Session(session_vars={"profile": (None, None, None, None)})
    session = boto3.Session(
        botocore_session=core,
        region_name=target.region,
        aws_access_key_id=LOCAL_CREDENTIALS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=LOCAL_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
    )
    return Clients(session, target.endpoint_url, config)


def queue_name_of(queue_url: str) -> str:
    return queue_url.rstrip("/").rsplit("/", 1)[-1]


# --- after destroy --------------------------------------------------------------------------


def _error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def _leftovers(
    c: Clients, *, function_name: str, queue_name: str, role_name: str, log_group: str
) -> list[str]:
    left: list[str] = []
    try:
        c.lambda_.get_function(FunctionName=function_name)
        left.append(f"Lambda function {function_name}")
    except ClientError as exc:
        if _error_code(exc) != "ResourceNotFoundException":
            raise
    try:
        url = c.sqs.get_queue_url(QueueName=queue_name)["QueueUrl"]
        left.append(f"SQS queue {queue_name} ({url})")
    except ClientError as exc:
        if _error_code(exc) not in _SQS_MISSING:
            raise
    iam = c.iam
    try:
        iam.get_role(RoleName=role_name)
        left.append(f"IAM role {role_name}")
        for policy in iam.list_role_policies(RoleName=role_name).get("PolicyNames", []):
            left.append(f"inline policy {policy} on IAM role {role_name}")
        attached = iam.list_attached_role_policies(RoleName=role_name)
        for policy in attached.get("AttachedPolicies", []):
            left.append(f"managed policy {policy['PolicyArn']} attached to IAM role {role_name}")
    except ClientError as exc:
        if _error_code(exc) != "NoSuchEntity":
            raise
    groups = c.logs.describe_log_groups(logGroupNamePrefix=log_group).get("logGroups", [])
    if any(g.get("logGroupName") == log_group for g in groups):
        left.append(f"CloudWatch log group {log_group}")
    return left


def assert_nothing_left(
    c: Clients,
    *,
    function_name: str,
    queue_name: str,
    role_name: str,
    log_group: str,
    settle_s: float | None = None,
    poll_s: float = 2.0,
) -> None:
    """Raise AssertionError listing every resource of the run still present after destroy.

    Rechecks for up to ``settle_s`` (default 60 s on AWS, 5 s on a local endpoint): SQS
    documents that a deleted queue can take up to 60 s to disappear, and IAM is eventually
    consistent.
    """
    if settle_s is None:
        settle_s = 5.0 if c.endpoint_url else 60.0
    deadline = time.monotonic() + settle_s
    while True:
        left = _leftovers(
            c,
            function_name=function_name,
            queue_name=queue_name,
            role_name=role_name,
            log_group=log_group,
        )
        if not left or time.monotonic() >= deadline:
            break
        time.sleep(poll_s)
    if left:
        listing = "\n".join(f"  - {item}" for item in left)
        raise AssertionError(f"{len(left)} resource(s) left after destroy:\n{listing}")
