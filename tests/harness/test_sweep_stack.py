"""sweep_stack: what a half-finished apply created outside its state goes after the destroy, and
nothing else does (other stacks of the same run, untagged resources)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from asyncdlq.client.clients import Clients
from asyncdlq.harness import tags as run_tags
from asyncdlq.harness.sweep import sweep_stack
from tests.harness.sweep_resources import (
    BUCKET,
    FUNCTION,
    LOG_GROUP,
    QUEUE,
    ROLE,
    RULE,
    TOPIC,
    Maker,
)

KINDS = [FUNCTION, QUEUE, TOPIC, ROLE, LOG_GROUP]


def _name(maker: Maker, kind: str, which: str) -> str:
    base = f"{maker.prefix}-{which}-{KINDS.index(kind)}"
    return f"/aws/lambda/{base}" if kind == LOG_GROUP else base


def test_deletes_every_kind_tagged_with_the_stack_and_keeps_the_rest(
    c: Clients, make: Maker
) -> None:
    fresh = timedelta(seconds=1)  # younger than any sweep threshold: the stack tag is enough
    for kind in KINDS:
        make.make(kind, _name(make, kind, "ours"), fresh, extra_tags={run_tags.TAG_STACK: "s1"})
        make.make(kind, _name(make, kind, "other"), fresh, extra_tags={run_tags.TAG_STACK: "s2"})
        make.make(kind, _name(make, kind, "untagged"))

    deleted = sweep_stack(c, "s1", progress=lambda _line: None)

    assert len(deleted) == len(KINDS), deleted
    for kind in KINDS:
        assert not make.exists(kind, _name(make, kind, "ours")), kind
        assert make.exists(kind, _name(make, kind, "other")), kind
        assert make.exists(kind, _name(make, kind, "untagged")), kind


def test_deletes_rules_with_targets_and_buckets_with_objects_tagged_with_the_stack(
    c: Clients, make: Maker
) -> None:
    ours = {run_tags.TAG_STACK: "s1"}
    rule = make.make(RULE, f"{make.prefix}-rule", timedelta(seconds=1), extra_tags=ours)
    target = {"Id": "q", "Arn": "arn:aws:sqs:us-east-1:123456789012:nowhere"}
    c.client("events").put_targets(Rule=rule, Targets=[target])
    bucket = make.make(BUCKET, f"{make.prefix}-bucket", timedelta(seconds=1), extra_tags=ours)
    c.client("s3").put_object(Bucket=bucket, Key="k", Body=b"x")
    others = [make.make(kind, f"{make.prefix}-{kind[:2].lower()}-other") for kind in (RULE, BUCKET)]

    deleted = sweep_stack(c, "s1", progress=lambda _line: None)

    assert deleted == [f"{RULE} {rule}", f"{BUCKET} {bucket}"]
    assert not make.exists(RULE, rule) and not make.exists(BUCKET, bucket)
    assert make.exists(RULE, others[0]) and make.exists(BUCKET, others[1])


def test_an_empty_stack_id_is_refused(c: Clients) -> None:
    with pytest.raises(ValueError, match="must not be empty"):
        sweep_stack(c, "")
