"""Resources of every kind the sweep knows, made in the emulator under one test's own prefix."""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta, timezone

from botocore.exceptions import ClientError

from asyncdlq.client.clients import Clients
from asyncdlq.harness import tags as run_tags
from tests.emulator.conftest import SUCCEEDING, zip_source

OLD = timedelta(hours=3)
FRESH = timedelta(minutes=10)
TRUST = json.dumps({"Version": "2012-10-17", "Statement": []})

FUNCTION = "Lambda function"
QUEUE = "SQS queue"
TOPIC = "SNS topic"
ROLE = "IAM role"
LOG_GROUP = "CloudWatch log group"
RULE = "EventBridge rule"
BUCKET = "S3 bucket"
PATTERN = json.dumps({"source": ["asyncdlq.sweep-test"]})


def new_run_id() -> str:
    """A run id no other test uses; its names start "adlq-<run id>-", as the harness's do."""
    return uuid.uuid4().hex[:12]


class Maker:
    """make(kind, name, age=...) with run tags dated ``age`` ago, or untagged when age is None."""

    def __init__(self, c: Clients, run_id: str) -> None:
        self.c, self.run_id = c, run_id
        self.prefix = f"{run_tags.NAME_PREFIX}{run_id}"  # the run's names start "<prefix>-"
        self._role_arn: str | None = None
        self.made: list[tuple[str, str]] = []

    def tags(self, age: timedelta | None, run_id: str | None = None) -> dict[str, str]:
        if age is None:
            return {}
        created = datetime.now(timezone.utc) - age
        return run_tags.run_tags(run_id or self.run_id, created)

    def make(
        self,
        kind: str,
        name: str,
        age: timedelta | None = None,
        run_id: str | None = None,
        extra_tags: dict[str, str] | None = None,
    ) -> str:
        tags = {**self.tags(age, run_id), **(extra_tags or {})}
        pairs = [{"Key": k, "Value": v} for k, v in tags.items()]
        self.made.append((kind, name))
        if kind == FUNCTION:
            self.c.client("lambda").create_function(
                FunctionName=name,
                Runtime="python3.12",
                Role=self._helper_role(),
                Handler="handler.lambda_handler",
                Code={"ZipFile": zip_source(SUCCEEDING)},
                **({"Tags": tags} if tags else {}),
            )
        elif kind == QUEUE:
            self.c.client("sqs").create_queue(QueueName=name, **({"tags": tags} if tags else {}))
        elif kind == TOPIC:
            extra = {"Tags": pairs} if pairs else {}
            self.c.client("sns").create_topic(Name=name, **extra)
        elif kind == ROLE:
            self.c.client("iam").create_role(
                RoleName=name, AssumeRolePolicyDocument=TRUST, **({"Tags": pairs} if pairs else {})
            )
        elif kind == LOG_GROUP:
            extra = {"tags": tags} if tags else {}
            self.c.client("logs").create_log_group(logGroupName=name, **extra)
        elif kind == RULE:
            extra = {"Tags": pairs} if pairs else {}
            self.c.client("events").put_rule(Name=name, EventPattern=PATTERN, **extra)
        elif kind == BUCKET:
            s3 = self.c.client("s3")
            s3.create_bucket(Bucket=name)
            if pairs:
                s3.put_bucket_tagging(Bucket=name, Tagging={"TagSet": pairs})
        else:
            raise ValueError(kind)
        return name

    def _helper_role(self) -> str:
        # The functions' role: named outside every sweep prefix so no test sweeps it.
        if self._role_arn is None:
            self._role_arn = self.c.client("iam").create_role(
                RoleName=f"sweep-helper-{uuid.uuid4().hex[:12]}", AssumeRolePolicyDocument=TRUST
            )["Role"]["Arn"]
        return self._role_arn

    def exists(self, kind: str, name: str) -> bool:
        try:
            if kind == FUNCTION:
                self.c.client("lambda").get_function(FunctionName=name)
            elif kind == QUEUE:
                self.c.client("sqs").get_queue_url(QueueName=name)
            elif kind == TOPIC:
                self.c.client("sns").get_topic_attributes(TopicArn=topic_arn(name))
            elif kind == ROLE:
                self.c.client("iam").get_role(RoleName=name)
            elif kind == LOG_GROUP:
                groups = self.c.client("logs").describe_log_groups(logGroupNamePrefix=name)
                return any(g["logGroupName"] == name for g in groups["logGroups"])
            elif kind == RULE:
                self.c.client("events").describe_rule(Name=name)
            elif kind == BUCKET:
                self.c.client("s3").head_bucket(Bucket=name)
            else:
                raise ValueError(kind)
        except ClientError as exc:
            code = exc.response["Error"]["Code"]
            # HeadBucket answers a bare 404 (no body to carry a code).
            gone = {"ResourceNotFoundException", "NotFound", "NoSuchEntity", "404"}
            if code in gone or "NonExistentQueue" in code or code == "QueueDoesNotExist":
                return False
            raise
        return True

    def cleanup(self) -> None:
        """Delete whatever the test left (kept resources, names outside the prefix)."""
        for kind, name in self.made:
            if self.exists(kind, name):
                self._delete(kind, name)
        if self._role_arn:
            self.c.client("iam").delete_role(RoleName=self._role_arn.rsplit("/", 1)[-1])

    def _delete(self, kind: str, name: str) -> None:
        if kind == FUNCTION:
            self.c.client("lambda").delete_function(FunctionName=name)
        elif kind == QUEUE:
            sqs = self.c.client("sqs")
            sqs.delete_queue(QueueUrl=sqs.get_queue_url(QueueName=name)["QueueUrl"])
        elif kind == TOPIC:
            self.c.client("sns").delete_topic(TopicArn=topic_arn(name))
        elif kind == ROLE:
            self.c.client("iam").delete_role(RoleName=name)
        elif kind == LOG_GROUP:
            self.c.client("logs").delete_log_group(logGroupName=name)
        elif kind == RULE:
            events = self.c.client("events")
            ids = [t["Id"] for t in events.list_targets_by_rule(Rule=name)["Targets"]]
            if ids:
                events.remove_targets(Rule=name, Ids=ids)
            events.delete_rule(Name=name)
        elif kind == BUCKET:
            s3 = self.c.client("s3")
            for version in object_versions(self.c, name):
                s3.delete_object(Bucket=name, Key=version[0], VersionId=version[1])
            s3.delete_bucket(Bucket=name)


def object_versions(c: Clients, bucket: str) -> list[tuple[str, str]]:
    """(key, version id) of every object version and delete marker in ``bucket``."""
    answer = c.client("s3").list_object_versions(Bucket=bucket)
    entries = [*answer.get("Versions", []), *answer.get("DeleteMarkers", [])]
    return [(entry["Key"], entry["VersionId"]) for entry in entries]


def topic_arn(name: str) -> str:
    return f"arn:aws:sns:us-east-1:123456789012:{name}"
