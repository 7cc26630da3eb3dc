"""asyncdlq.harness.sweep against the in-process emulator.

Every test makes its resources under its own run id and sweeps only its own prefix
(adlq-<run id>), so tests sharing the session emulator never sweep each other's resources.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta, timezone

import pytest
from botocore.exceptions import ClientError

from asyncdlq.client.clients import Clients
from asyncdlq.harness import sweep as sweep_module
from asyncdlq.harness import sweep_kinds
from asyncdlq.harness.sweep import (
    DurationError,
    SweepReport,
    format_duration,
    parse_duration,
    sweep,
)
from tests.harness.sweep_resources import (
    BUCKET,
    FRESH,
    FUNCTION,
    LOG_GROUP,
    OLD,
    PATTERN,
    QUEUE,
    ROLE,
    RULE,
    TOPIC,
    Maker,
    new_run_id,
    object_versions,
    topic_arn,
)

TWO_HOURS = timedelta(hours=2)
KINDS = [FUNCTION, QUEUE, TOPIC, ROLE, LOG_GROUP]


@pytest.fixture
def prefix(make: Maker) -> str:
    """adlq-<run id>: the test's names start "<prefix>-", and it sweeps only those."""
    return make.prefix


def name_of(kind: str, prefix: str, what: str) -> str:
    name = f"{prefix}-{what}"
    return f"/aws/lambda/{name}" if kind == LOG_GROUP else name


def pairs(items: list[sweep_module.Swept]) -> set[tuple[str, str]]:
    return {(item.kind, item.name) for item in items}


def quiet(_line: str) -> None:
    pass


def run(c: Clients, prefix: str, **kwargs: object) -> SweepReport:
    kwargs.setdefault("older_than", TWO_HOURS)
    return sweep(c, prefix=prefix, progress=quiet, **kwargs)  # type: ignore[arg-type]


def test_old_tagged_resources_of_every_kind_go_fresh_ones_stay(
    c: Clients, make: Maker, prefix: str
) -> None:
    old = {(k, make.make(k, name_of(k, prefix, "old"), OLD)) for k in KINDS}
    fresh = {(k, make.make(k, name_of(k, prefix, "new"), FRESH)) for k in KINDS}
    lam = c.client("lambda")
    old_fn = name_of(FUNCTION, prefix, "old")
    lam.put_function_event_invoke_config(FunctionName=old_fn, MaximumRetryAttempts=0)
    queue_arn = f"arn:aws:sqs:us-east-1:123456789012:{prefix}-new"
    old_topic = topic_arn(f"{prefix}-old")
    c.client("sns").subscribe(TopicArn=old_topic, Protocol="sqs", Endpoint=queue_arn)

    report = run(c, f"{prefix}-")

    assert pairs(report.deleted) == old
    assert pairs(report.kept) == fresh
    assert report.failed == []
    assert not any(make.exists(kind, name) for kind, name in old)
    assert all(make.exists(kind, name) for kind, name in fresh)
    assert all(item.detail == "younger than 2h" for item in report.kept)
    with pytest.raises(ClientError, match="ResourceNotFound"):
        lam.list_function_event_invoke_configs(FunctionName=old_fn)
    subscriptions = c.client("sns").list_subscriptions()["Subscriptions"]
    assert not [s for s in subscriptions if s["TopicArn"] == old_topic]

    stamp = (report.deleted[0].created or datetime.min).strftime("%Y-%m-%dT%H:%M:%SZ")
    text = report.render()
    assert f"deleted Lambda function {old_fn} (created {stamp}, 3h ago)" in text
    assert f"kept SQS queue {prefix}-new (created " in text
    assert text.splitlines()[-1] == (
        f"sweep (prefix '{prefix}-', older than 2h): 5 deleted, 5 kept, 0 failed"
    )


def test_the_run_id_tag_finds_names_outside_the_prefix_but_only_of_matching_runs(
    c: Clients, make: Maker, prefix: str
) -> None:
    ours = make.make(QUEUE, f"renamed-{uuid.uuid4().hex[:12]}", OLD)
    theirs = make.make(QUEUE, f"renamed-{uuid.uuid4().hex[:12]}", OLD, run_id=new_run_id())
    group = make.make(LOG_GROUP, f"/custom/{uuid.uuid4().hex[:12]}", OLD)
    # A run id that is the whole name prefix ("adlq-<id>") counts the same.
    prefixed = make.make(QUEUE, f"renamed-{uuid.uuid4().hex[:12]}", OLD, run_id=prefix)

    report = run(c, prefix)

    assert pairs(report.deleted) == {(QUEUE, ours), (QUEUE, prefixed), (LOG_GROUP, group)}
    assert make.exists(QUEUE, theirs)
    # One xdist worker's prefix is narrower than the run's: the run's tag alone doesn't match.
    assert run(c, f"{prefix}-w1-", now=datetime.now(timezone.utc) + OLD).deleted == []
    assert make.exists(QUEUE, theirs)


def test_untagged_resources_are_judged_by_the_service_creation_time(
    c: Clients, make: Maker, prefix: str
) -> None:
    # Untagged roles are kept whatever their age (IAM is global): see the role tests below.
    made = {(k, make.make(k, name_of(k, prefix, "bare"))) for k in KINDS if k != ROLE}
    topic = (TOPIC, name_of(TOPIC, prefix, "bare"))
    before = datetime.now(timezone.utc)

    now_report = run(c, prefix)
    assert now_report.deleted == [] and now_report.failed == []
    assert pairs(now_report.kept) == made
    for item in now_report.kept:
        if (item.kind, item.name) == topic:
            assert item.created is None and "age unknown" in item.detail
        else:
            # The service's own time, not a tag: within a minute of when the test made it.
            assert item.created is not None and abs(item.created - before) < timedelta(minutes=1)
            assert item.detail == "younger than 2h"

    later = run(c, prefix, now=before + OLD)
    assert pairs(later.deleted) == made - {topic}
    assert pairs(later.kept) == {topic}
    assert not any(make.exists(k, n) for k, n in made - {topic})
    assert make.exists(*topic)
    assert "SNS does not tell when a topic was created" in later.render()


def test_names_outside_the_prefix_are_never_touched(c: Clients, make: Maker, prefix: str) -> None:
    others = {
        (FUNCTION, make.make(FUNCTION, f"x{prefix}-fn")),
        (QUEUE, make.make(QUEUE, f"{uuid.uuid4().hex[:8]}-{prefix}-q")),
        (ROLE, make.make(ROLE, f"keep-{prefix}-role")),
        # Only a group under /aws/lambda/ matches by name.
        (LOG_GROUP, make.make(LOG_GROUP, f"/custom/{prefix}-fn")),
        (LOG_GROUP, make.make(LOG_GROUP, f"/aws/lambda/other-{prefix}")),
    }

    report = run(c, prefix, now=datetime.now(timezone.utc) + timedelta(days=30))

    assert report.deleted == [] and report.kept == [] and report.failed == []
    assert all(make.exists(k, n) for k, n in others)
    assert "nothing to sweep" in report.render()


def test_a_dry_run_deletes_nothing(c: Clients, make: Maker, prefix: str) -> None:
    made = {(k, make.make(k, name_of(k, prefix, "old"), OLD)) for k in KINDS}

    dry = run(c, prefix, dry_run=True)
    assert pairs(dry.deleted) == made
    assert all(make.exists(k, n) for k, n in made)
    text = dry.render()
    assert f"would delete IAM role {prefix}-old (created " in text
    assert "dry run, nothing was deleted: 5 would delete, 0 kept, 0 failed" in text

    assert pairs(run(c, prefix).deleted) == made


def test_a_role_with_inline_and_attached_policies_is_deleted_cleanly(
    c: Clients, make: Maker, prefix: str
) -> None:
    iam = c.client("iam")
    role = make.make(ROLE, f"{prefix}-role", OLD)
    document = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": "*"}],
        }
    )
    for policy in ("logs", "dlq"):
        iam.put_role_policy(RoleName=role, PolicyName=policy, PolicyDocument=document)
    managed = iam.create_policy(PolicyName=f"{prefix}-managed", PolicyDocument=document)
    arn = managed["Policy"]["Arn"]
    iam.attach_role_policy(RoleName=role, PolicyArn=arn)

    report = run(c, prefix)

    assert pairs(report.deleted) == {(ROLE, role)} and report.failed == []
    assert not make.exists(ROLE, role)
    # Detached, not deleted: a managed policy may serve other roles.
    assert iam.get_policy(PolicyArn=arn)["Policy"]["AttachmentCount"] == 0
    iam.delete_policy(PolicyArn=arn)


def test_a_failure_on_one_resource_does_not_stop_the_rest(
    c: Clients, make: Maker, prefix: str
) -> None:
    iam = c.client("iam")
    stuck = make.make(ROLE, f"{prefix}-a-stuck", OLD)
    profile = f"{prefix}-profile"
    iam.create_instance_profile(InstanceProfileName=profile)
    # IAM refuses to delete a role still in an instance profile, and the sweep leaves those.
    iam.add_role_to_instance_profile(InstanceProfileName=profile, RoleName=stuck)
    plain = make.make(ROLE, f"{prefix}-b-plain", OLD)
    group = make.make(LOG_GROUP, f"/aws/lambda/{prefix}-fn", OLD)

    report = run(c, prefix)

    assert pairs(report.failed) == {(ROLE, stuck)}
    assert "DeleteConflict" in report.failed[0].detail
    assert pairs(report.deleted) == {(ROLE, plain), (LOG_GROUP, group)}
    assert make.exists(ROLE, stuck) and not make.exists(ROLE, plain)
    assert not make.exists(LOG_GROUP, group)
    assert f"FAILED IAM role {stuck} (created " in report.render()
    assert report.render().endswith("2 deleted, 0 kept, 1 failed")
    iam.remove_role_from_instance_profile(InstanceProfileName=profile, RoleName=stuck)
    iam.delete_instance_profile(InstanceProfileName=profile)


def test_a_resource_that_vanished_meanwhile_counts_as_gone(
    c: Clients, make: Maker, prefix: str
) -> None:
    fn = make.make(FUNCTION, f"{prefix}-fn", OLD)

    def delete_first(line: str) -> None:
        # Someone else (a late terraform destroy) deletes it just before the sweep does.
        if line.endswith(f"deleting Lambda function {fn}"):
            c.client("lambda").delete_function(FunctionName=fn)

    report = sweep(c, older_than=TWO_HOURS, prefix=prefix, progress=delete_first)

    assert report.failed == []
    assert [(s.kind, s.name, s.detail) for s in report.deleted] == [(FUNCTION, fn, "already gone")]


def test_an_empty_prefix_is_refused(c: Clients) -> None:
    with pytest.raises(ValueError, match="prefix must not be empty"):
        sweep(c, older_than=TWO_HOURS, prefix="", progress=quiet)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2h", timedelta(hours=2)),
        ("30m", timedelta(minutes=30)),
        ("90s", timedelta(seconds=90)),
        ("1d", timedelta(days=1)),
        ("1h30m", timedelta(hours=1, minutes=30)),
        (" 1D2H ", timedelta(days=1, hours=2)),
        ("0s", timedelta(0)),
    ],
)
def test_durations_parse(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", "2", "2x", "h", "30m1h", "-1h", "1.5h", "2 h", "2hours"])
def test_bad_durations_name_the_value_and_give_an_example(text: str) -> None:
    with pytest.raises(DurationError) as caught:
        parse_duration(text)
    assert repr(text) in str(caught.value)
    assert "e.g. 2h, 30m, 90s, 1d or 1h30m" in str(caught.value)


def test_durations_format_as_they_parse() -> None:
    assert format_duration(timedelta(hours=1, minutes=30)) == "1h30m"
    assert format_duration(timedelta(days=2, hours=3, seconds=4), units=2) == "2d3h"
    assert format_duration(timedelta(hours=3, seconds=1), units=2) == "3h"
    assert format_duration(timedelta(days=1, seconds=1)) == "1d1s"
    assert format_duration(timedelta(seconds=-5)) == "0s"
    for text in ("2h", "1d", "90s", "1h30m"):
        assert parse_duration(format_duration(parse_duration(text))) == parse_duration(text)


def test_lambda_times_parse_in_the_aws_and_the_moto_format() -> None:
    expected = datetime(2024, 5, 1, 12, 0, 0, tzinfo=timezone.utc)
    assert sweep_kinds.lambda_time("2024-05-01T12:00:00.000+0000") == expected
    assert sweep_kinds.lambda_time("2024-05-01T12:00:00.995483000Z") == expected
    assert sweep_kinds.lambda_time("2024-05-01T14:00:00+02:00") == expected
    assert sweep_kinds.lambda_time("yesterday") is None


# --- EventBridge rules and S3 buckets ---------------------------------------------------------


def _targets(c: Clients, rule: str, count: int, bus: str = "default") -> None:
    # PutTargets takes at most 10 targets a call; more than 10 also makes the sweep remove them
    # in more than one RemoveTargets call (a limit the emulator does not enforce either).
    targets = [
        {"Id": f"t{i}", "Arn": f"arn:aws:sqs:us-east-1:123456789012:nowhere-{i}"}
        for i in range(count)
    ]
    for start in range(0, count, 10):
        batch = targets[start : start + 10]
        c.client("events").put_targets(Rule=rule, EventBusName=bus, Targets=batch)


def test_an_old_rule_loses_its_targets_then_goes_a_fresh_one_stays(
    c: Clients, make: Maker, prefix: str
) -> None:
    events = c.client("events")
    old = make.make(RULE, f"{prefix}-old", OLD)
    _targets(c, old, 12)
    fresh = make.make(RULE, f"{prefix}-new", FRESH)
    _targets(c, fresh, 1)
    # A rule on a custom bus: shown as "<bus>/<rule>".
    bus = events.create_event_bus(Name=f"{prefix}-bus")["EventBusArn"].rsplit("/", 1)[-1]
    tags = [{"Key": k, "Value": v} for k, v in make.tags(OLD).items()]
    events.put_rule(Name=f"{prefix}-on-bus", EventBusName=bus, EventPattern=PATTERN, Tags=tags)
    _targets(c, f"{prefix}-on-bus", 1, bus)

    report = run(c, prefix)

    # The emulator refuses DeleteRule while targets are left, as AWS does: deleted means the
    # targets went first.
    assert report.failed == []
    assert pairs(report.deleted) == {(RULE, old), (RULE, f"{bus}/{prefix}-on-bus")}
    assert [(i.kind, i.name, i.detail) for i in report.kept] == [(RULE, fresh, "younger than 2h")]
    assert not make.exists(RULE, old) and make.exists(RULE, fresh)
    assert events.list_rules(EventBusName=bus)["Rules"] == []
    events.delete_event_bus(Name=bus)


def test_an_untagged_rule_is_kept_because_its_age_is_unknown(
    c: Clients, make: Maker, prefix: str
) -> None:
    rule = make.make(RULE, f"{prefix}-bare")

    report = run(c, prefix, now=datetime.now(timezone.utc) + timedelta(days=30))

    assert report.deleted == [] and report.failed == []
    assert [(i.kind, i.name, i.created) for i in report.kept] == [(RULE, rule, None)]
    assert "EventBridge does not tell when a rule was created" in report.kept[0].detail
    assert make.exists(RULE, rule)


def test_buckets_are_emptied_of_objects_versions_and_markers_then_deleted(
    c: Clients, make: Maker, prefix: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    s3 = c.client("s3")
    # Batches of 2 instead of DeleteObjects' 1000 keys (which the emulator does not enforce), so
    # a few objects take several calls.
    monkeypatch.setattr(sweep_kinds, "_KEYS_PER_DELETE", 2)
    plain = make.make(BUCKET, f"{prefix}-plain", OLD)
    for i in range(5):
        s3.put_object(Bucket=plain, Key=f"k/{i}", Body=b"x")
    versioned = make.make(BUCKET, f"{prefix}-versioned", OLD)
    s3.put_bucket_versioning(Bucket=versioned, VersioningConfiguration={"Status": "Enabled"})
    for body in (b"1", b"2"):
        s3.put_object(Bucket=versioned, Key="twice", Body=body)
    s3.put_object(Bucket=versioned, Key="gone", Body=b"3")
    s3.delete_object(Bucket=versioned, Key="gone")  # leaves a version and a delete marker
    assert len(object_versions(c, versioned)) == 4
    fresh = make.make(BUCKET, f"{prefix}-new", FRESH)
    s3.put_object(Bucket=fresh, Key="k", Body=b"x")

    report = run(c, prefix)

    assert report.failed == []
    assert pairs(report.deleted) == {(BUCKET, plain), (BUCKET, versioned)}
    assert [(i.kind, i.name, i.detail) for i in report.kept] == [(BUCKET, fresh, "younger than 2h")]
    assert not make.exists(BUCKET, plain) and not make.exists(BUCKET, versioned)
    assert make.exists(BUCKET, fresh)


def test_an_untagged_bucket_is_judged_by_its_creation_date(
    c: Clients, make: Maker, prefix: str
) -> None:
    bucket = make.make(BUCKET, f"{prefix}-bare")
    before = datetime.now(timezone.utc)

    kept = run(c, prefix).kept
    assert [(i.kind, i.name, i.detail) for i in kept] == [(BUCKET, bucket, "younger than 2h")]
    assert kept[0].created is not None and abs(kept[0].created - before) < timedelta(minutes=1)

    assert pairs(run(c, prefix, now=before + OLD).deleted) == {(BUCKET, bucket)}
    assert not make.exists(BUCKET, bucket)


def test_a_bucket_that_vanished_meanwhile_counts_as_gone(
    c: Clients, make: Maker, prefix: str
) -> None:
    bucket = make.make(BUCKET, f"{prefix}-b", OLD)

    def delete_first(line: str) -> None:
        if line.endswith(f"deleting S3 bucket {bucket}"):
            c.client("s3").delete_bucket(Bucket=bucket)

    report = sweep(c, older_than=TWO_HOURS, prefix=prefix, progress=delete_first)

    assert report.failed == []
    assert [(s.kind, s.name, s.detail) for s in report.deleted] == [
        (BUCKET, bucket, "already gone")
    ]
