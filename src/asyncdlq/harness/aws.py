"""Small boto3 helpers for tests, one job each: make clients, invoke, wait for the DLQ, read logs,
check that nothing is left after destroy.

They take clients rather than a target so a test can point them at any account or endpoint, and
they never touch os.environ, so tests against the emulator and against AWS can share a process.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Callable

import boto3
import botocore.session
from botocore.config import Config
from botocore.exceptions import ClientError

from ..target import LOCAL_CREDENTIALS, Target
from .invoker import request_id_of
from .logs import LogEvent, log_events_for_request
from .progress import say

__all__ = ["LogEvent", "log_events_for_request"]  # moved to .logs; imported from here too

Progress = Callable[[str], None]
PROGRESS_EVERY_S = 10.0
# SQS long poll per ReceiveMessage; shorter than AWS's 20 s maximum so progress lines keep coming.
_POLL_WAIT_S = 10

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


# --- invoke ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class InvokeResult:
    status_code: int
    request_id: str
    body: bytes
    headers: dict[str, str] = field(default_factory=dict, repr=False)


def invoke_async(lambda_client: Any, function_name: str, payload: bytes) -> InvokeResult:
    """Invoke with InvocationType=Event; the returned request_id is the one every attempt logs
    and the DLQ message carries as RequestID."""
    response = lambda_client.invoke(
        FunctionName=function_name, InvocationType="Event", Payload=payload
    )
    meta = response.get("ResponseMetadata", {})
    headers = {k.lower(): v for k, v in meta.get("HTTPHeaders", {}).items()}
    stream = response.get("Payload")
    body = stream.read() if stream is not None else b""
    return InvokeResult(response["StatusCode"], request_id_of(response), body, headers)


# --- dead-letter queue ----------------------------------------------------------------------


def queue_name_of(queue_url: str) -> str:
    return queue_url.rstrip("/").rsplit("/", 1)[-1]


def wait_for_dlq_messages(
    sqs_client: Any,
    queue_url: str,
    count: int,
    timeout_s: float,
    progress: Progress = say,
) -> list[dict[str, Any]]:
    """Receive until ``count`` distinct messages arrived; delete each after reading.

    Returns every message received (at least ``count``), with its attributes and message
    attributes. Duplicates of an already collected MessageId are dropped (delivery is at least
    once). Raises TimeoutError naming the queue, how many arrived and how long it waited.
    """
    queue = queue_name_of(queue_url)
    started = time.monotonic()
    deadline = started + timeout_s
    next_progress = started + PROGRESS_EVERY_S
    collected: dict[str, dict[str, Any]] = {}
    while len(collected) < count:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError(
                f"{len(collected)} of {count} DLQ message(s) arrived on {queue} "
                f"within {timeout_s:g}s ({queue_url})"
            )
        asked_at = time.monotonic()
        response = sqs_client.receive_message(
            QueueUrl=queue_url,
            MaxNumberOfMessages=min(10, max(1, count - len(collected))),
            WaitTimeSeconds=max(0, min(_POLL_WAIT_S, int(remaining))),
            MessageAttributeNames=["All"],
            AttributeNames=["All"],
        )
        for message in response.get("Messages", []):
            collected.setdefault(message["MessageId"], message)
            sqs_client.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
        now = time.monotonic()
        if len(collected) < count and now >= next_progress:
            progress(
                f"waiting for DLQ message on {queue} ({now - started:.0f}s/{timeout_s:.0f}s, "
                f"{len(collected)}/{count} arrived)"
            )
            next_progress = now + PROGRESS_EVERY_S
        if not response.get("Messages") and now - asked_at < 0.5:
            # A short poll (or an endpoint without long polling) returns at once: don't spin.
            time.sleep(min(0.5, max(0.0, deadline - now)))
    return list(collected.values())


def message_attributes(message: dict[str, Any]) -> dict[str, str]:
    """A DLQ message's attributes as {name: value} (StringValue of String and Number types)."""
    return {
        name: attr.get("StringValue", "")
        for name, attr in message.get("MessageAttributes", {}).items()
    }


# --- CloudWatch Logs ------------------------------------------------------------------------


def wait_for_log_lines(
    logs_client: Any,
    log_group: str,
    request_id: str,
    predicate: Callable[[list[LogEvent]], bool],
    timeout_s: float,
    *,
    poll_s: float = 2.0,
    what: str = "log lines",
    progress: Progress = say,
) -> list[LogEvent]:
    """Poll the request's log events until ``predicate(events)`` holds; return those events."""
    started = time.monotonic()
    next_progress = started + PROGRESS_EVERY_S
    while True:
        events = log_events_for_request(logs_client, log_group, request_id)
        if predicate(events):
            return events
        now = time.monotonic()
        if now - started >= timeout_s:
            shown = "\n".join(f"  {e.stream}: {e.message.rstrip()}" for e in events[-20:])
            raise TimeoutError(
                f"{what} for request {request_id} did not appear in {log_group} within "
                f"{timeout_s:g}s; {len(events)} matching event(s) seen:\n{shown or '  (none)'}"
            )
        if now >= next_progress:
            progress(
                f"waiting for {what} in {log_group} ({now - started:.0f}s/{timeout_s:.0f}s, "
                f"{len(events)} event(s) so far)"
            )
            next_progress = now + PROGRESS_EVERY_S
        time.sleep(min(poll_s, max(0.0, timeout_s - (now - started))))


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
