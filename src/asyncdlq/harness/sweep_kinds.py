"""What the sweep finds and deletes, one kind per service: how each lists its resources, reads
their tags and creation time, and deletes one with what must go before it.

sweep.py decides which of them to delete (prefix, run tag, age) and reports; a kind only answers
its service's questions and lets the service's errors through (``gone_codes`` says which of them
mean the resource no longer exists).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, NamedTuple

from botocore.exceptions import ClientError

from ..aws.arn import Arn
from ..client.clients import Clients
from . import tags as run_tags

LOG_GROUP_PREFIX = "/aws/lambda/"
_DEFAULT_BUS = "default"
# docs/aws-behaviour.md, Sweeping EventBridge rules and S3 buckets: RemoveTargets takes at most
# 10 ids per request, DeleteObjects at most 1000 keys.
_TARGETS_PER_REMOVE = 10
_KEYS_PER_DELETE = 1000


@dataclass(frozen=True)
class Item:
    name: str  # as shown in the report
    match_name: str | None  # what the prefix is compared with; None: only the tag can match
    handle: Any  # what the kind's API calls take (ARN, URL, name)
    listed_created: datetime | None = None


class Kind:
    label = ""
    gone_codes: frozenset[str] = frozenset()
    # A global service (IAM) lists every region's runs' resources: sweep.py then deletes only
    # those of runs in the sweep's own region.
    is_global = False
    no_age = ""  # why the age can be unknown; empty when the service always reports it

    def __init__(self, clients: Clients) -> None:
        self.clients = clients

    def items(self) -> Iterator[Item]:
        raise NotImplementedError

    def tags(self, item: Item) -> dict[str, str]:
        raise NotImplementedError

    def created(self, item: Item) -> datetime | None:
        return item.listed_created

    def delete(self, item: Item) -> None:
        raise NotImplementedError


def _pages(client: Any, operation: str, key: str, **params: Any) -> Iterator[Any]:
    for page in client.get_paginator(operation).paginate(**params):
        yield from page.get(key, [])


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def _no_age(what: str, service: str) -> str:
    return (
        f"age unknown: no {run_tags.TAG_CREATED_AT} tag, and {service} does not tell when a "
        f"{what} was created; delete it by hand if no run is using it"
    )


_LAMBDA_TIME = re.compile(r"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.\d+)?(Z|[+-]\d{2}:?\d{2})?")


def lambda_time(text: str | None) -> datetime | None:
    """Lambda's LastModified: ``2024-05-01T12:00:00.000+0000`` on AWS, ``...000000Z`` in moto."""
    match = _LAMBDA_TIME.fullmatch(text or "")
    if match is None:
        return None
    zone = (match.group(2) or "Z").replace("Z", "+0000").replace(":", "")
    return datetime.strptime(match.group(1) + zone, "%Y-%m-%dT%H:%M:%S%z")


class _Functions(Kind):
    label = "Lambda function"
    gone_codes = frozenset({"ResourceNotFoundException"})

    def items(self) -> Iterator[Item]:
        for fn in _pages(self.clients.client("lambda"), "list_functions", "Functions"):
            name = fn["FunctionName"]
            yield Item(name, name, fn["FunctionArn"], lambda_time(fn.get("LastModified")))

    def tags(self, item: Item) -> dict[str, str]:
        return dict(self.clients.client("lambda").list_tags(Resource=item.handle).get("Tags", {}))

    def delete(self, item: Item) -> None:
        # Deleting the unqualified function removes its versions, aliases and event invoke
        # configs with it.
        self.clients.client("lambda").delete_function(FunctionName=item.name)


class _Rule(NamedTuple):
    bus: str
    name: str
    arn: str


class _Rules(Kind):
    label = "EventBridge rule"
    gone_codes = frozenset({"ResourceNotFoundException"})
    no_age = _no_age("rule", "EventBridge")

    def items(self) -> Iterator[Item]:
        events = self.clients.client("events")
        for bus in self._buses(events):
            for rule in _pages(events, "list_rules", "Rules", EventBusName=bus):
                if rule.get("ManagedBy"):
                    # An AWS service made it for its own use: never a run's.
                    continue
                name = rule["Name"]
                shown = name if bus == _DEFAULT_BUS else f"{bus}/{name}"
                yield Item(shown, name, _Rule(bus, name, rule["Arn"]))

    @staticmethod
    def _buses(events: Any) -> Iterator[str]:
        # ListEventBuses has no paginator in botocore: follow NextToken by hand.
        # It lists the default bus too.
        params: dict[str, str] = {}
        while True:
            page = events.list_event_buses(**params)
            yield from (bus["Name"] for bus in page.get("EventBuses", []))
            if not page.get("NextToken"):
                return
            params = {"NextToken": page["NextToken"]}

    def tags(self, item: Item) -> dict[str, str]:
        answer = self.clients.client("events").list_tags_for_resource(ResourceARN=item.handle.arn)
        return {tag["Key"]: tag["Value"] for tag in answer.get("Tags", [])}

    def delete(self, item: Item) -> None:
        events, rule = self.clients.client("events"), item.handle
        # DeleteRule refuses a rule that still has targets (docs/aws-behaviour.md, Sweeping
        # EventBridge rules and S3 buckets); a partial RemoveTargets shows up as that refusal.
        ids = [
            target["Id"]
            for target in _pages(
                events, "list_targets_by_rule", "Targets", Rule=rule.name, EventBusName=rule.bus
            )
        ]
        for start in range(0, len(ids), _TARGETS_PER_REMOVE):
            batch = ids[start : start + _TARGETS_PER_REMOVE]
            events.remove_targets(Rule=rule.name, EventBusName=rule.bus, Ids=batch)
        events.delete_rule(Name=rule.name, EventBusName=rule.bus)


class _Buckets(Kind):
    label = "S3 bucket"
    gone_codes = frozenset({"NoSuchBucket"})

    def items(self) -> Iterator[Item]:
        s3 = self.clients.client("s3")
        # ListBuckets lists the account's buckets in every region; the other kinds list one
        # region, and a bucket elsewhere belongs to a run there.
        for bucket in _pages(s3, "list_buckets", "Buckets", BucketRegion=s3.meta.region_name):
            name = bucket["Name"]
            # CreationDate can move forward on some bucket changes (docs/aws-behaviour.md,
            # Sweeping EventBridge rules and S3 buckets): at worst a bucket looks younger.
            yield Item(name, name, name, bucket.get("CreationDate"))

    def tags(self, item: Item) -> dict[str, str]:
        try:
            answer = self.clients.client("s3").get_bucket_tagging(Bucket=item.handle)
        except ClientError as exc:
            if _code(exc) == "NoSuchTagSet":  # S3's answer for a bucket without tags
                return {}
            raise
        return {tag["Key"]: tag["Value"] for tag in answer.get("TagSet", [])}

    def delete(self, item: Item) -> None:
        s3, bucket = self.clients.client("s3"), item.handle
        # DeleteBucket refuses a bucket with any object, version or delete marker left
        # (docs/aws-behaviour.md, Sweeping EventBridge rules and S3 buckets).
        versions = []
        for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket):
            for entry in [*page.get("Versions", []), *page.get("DeleteMarkers", [])]:
                versions.append({"Key": entry["Key"], "VersionId": entry["VersionId"]})
        self._delete_objects(bucket, versions)
        # Then whatever a listing of versions did not name (an unversioned bucket's objects).
        objects = [
            {"Key": o["Key"]} for o in _pages(s3, "list_objects_v2", "Contents", Bucket=bucket)
        ]
        self._delete_objects(bucket, objects)
        s3.delete_bucket(Bucket=bucket)

    def _delete_objects(self, bucket: str, objects: list[dict[str, str]]) -> None:
        # A key that failed is reported in the answer's Errors, not raised: DeleteBucket then
        # fails with BucketNotEmpty, and the report says so.
        for start in range(0, len(objects), _KEYS_PER_DELETE):
            batch = objects[start : start + _KEYS_PER_DELETE]
            self.clients.client("s3").delete_objects(
                Bucket=bucket, Delete={"Objects": batch, "Quiet": True}
            )


class _Queues(Kind):
    label = "SQS queue"
    gone_codes = frozenset({"AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist"})

    def items(self) -> Iterator[Item]:
        # Without a page size ListQueues returns at most 1000 URLs and no token.
        urls = _pages(
            self.clients.client("sqs"),
            "list_queues",
            "QueueUrls",
            PaginationConfig={"PageSize": 1000},
        )
        for url in urls:
            name = url.rstrip("/").rsplit("/", 1)[-1]
            yield Item(name, name, url)

    def tags(self, item: Item) -> dict[str, str]:
        return dict(
            self.clients.client("sqs").list_queue_tags(QueueUrl=item.handle).get("Tags", {})
        )

    def created(self, item: Item) -> datetime | None:
        attributes = self.clients.client("sqs").get_queue_attributes(
            QueueUrl=item.handle, AttributeNames=["CreatedTimestamp"]
        )["Attributes"]
        stamp = attributes.get("CreatedTimestamp")
        return datetime.fromtimestamp(float(stamp), timezone.utc) if stamp else None

    def delete(self, item: Item) -> None:
        self.clients.client("sqs").delete_queue(QueueUrl=item.handle)


class _Topics(Kind):
    label = "SNS topic"
    gone_codes = frozenset({"NotFound", "ResourceNotFound", "NotFoundException"})
    no_age = _no_age("topic", "SNS")

    def items(self) -> Iterator[Item]:
        for topic in _pages(self.clients.client("sns"), "list_topics", "Topics"):
            arn = topic["TopicArn"]
            name = Arn.parse(arn).name
            yield Item(name, name, arn)

    def tags(self, item: Item) -> dict[str, str]:
        answer = self.clients.client("sns").list_tags_for_resource(ResourceArn=item.handle)
        return {tag["Key"]: tag["Value"] for tag in answer.get("Tags", [])}

    def delete(self, item: Item) -> None:
        # DeleteTopic removes the topic's subscriptions with it.
        self.clients.client("sns").delete_topic(TopicArn=item.handle)


class _Roles(Kind):
    label = "IAM role"
    gone_codes = frozenset({"NoSuchEntity"})
    # docs/aws-behaviour.md, IAM is global: ListRoles answers the same in every region.
    is_global = True
    # AWS's own roles: never ours, and not deletable this way anyway.
    _aws_paths = ("/aws-service-role/", "/aws-reserved/")

    def items(self) -> Iterator[Item]:
        for role in _pages(self.clients.client("iam"), "list_roles", "Roles"):
            if not role.get("Path", "/").startswith(self._aws_paths):
                yield Item(role["RoleName"], role["RoleName"], role["RoleName"], role["CreateDate"])

    def tags(self, item: Item) -> dict[str, str]:
        tags = _pages(self.clients.client("iam"), "list_role_tags", "Tags", RoleName=item.handle)
        return {tag["Key"]: tag["Value"] for tag in tags}

    def delete(self, item: Item) -> None:
        iam, role = self.clients.client("iam"), item.handle
        # IAM refuses to delete a role that still has policies. An instance profile is left
        # alone on purpose (delete_role then fails and the report says so): runs never make one,
        # so something else may be using the role.
        for policy in list(_pages(iam, "list_role_policies", "PolicyNames", RoleName=role)):
            iam.delete_role_policy(RoleName=role, PolicyName=policy)
        attached = list(
            _pages(iam, "list_attached_role_policies", "AttachedPolicies", RoleName=role)
        )
        for policy in attached:
            iam.detach_role_policy(RoleName=role, PolicyArn=policy["PolicyArn"])
        iam.delete_role(RoleName=role)


class _LogGroups(Kind):
    label = "CloudWatch log group"
    gone_codes = frozenset({"ResourceNotFoundException"})

    def items(self) -> Iterator[Item]:
        for group in _pages(self.clients.client("logs"), "describe_log_groups", "logGroups"):
            name = group["logGroupName"]
            short = name[len(LOG_GROUP_PREFIX) :] if name.startswith(LOG_GROUP_PREFIX) else None
            # ListTagsForResource wants the ARN without the ":*" that "arn" carries.
            arn = group.get("logGroupArn") or group.get("arn", "").removesuffix(":*")
            created = group.get("creationTime")
            when = datetime.fromtimestamp(created / 1000, timezone.utc) if created else None
            yield Item(name, short, arn, when)

    def tags(self, item: Item) -> dict[str, str]:
        answer = self.clients.client("logs").list_tags_for_resource(resourceArn=item.handle)
        return dict(answer.get("tags", {}))

    def delete(self, item: Item) -> None:
        self.clients.client("logs").delete_log_group(logGroupName=item.name)


# Dependency order: functions first (nothing invokes or logs into what follows), then the rules
# (no event reaches a deleted target) and the buckets (no notification either), roles late.
KINDS: tuple[type[Kind], ...] = (
    _Functions,
    _Rules,
    _Buckets,
    _Queues,
    _Topics,
    _Roles,
    _LogGroups,
)
