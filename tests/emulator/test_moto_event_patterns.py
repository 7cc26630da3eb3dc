"""moto's EventBridge pattern matcher, which decides for the emulator whether a rule fires
(moto_triggers.py keeps moto's Rule.event_pattern): which documented operators work in the pinned
moto, and which gaps a caller must not rely on (docs/aws-behaviour.md,
"Triggers that invoke asynchronously: event shapes")."""

from __future__ import annotations

import inspect
import json
from typing import Any

import pytest
from moto.events.models import EventPattern

EVENT: dict[str, Any] = {
    "version": "0",
    "id": "6a7e8feb-b491-4cf7-a9f1-bf3703467718",
    "detail-type": "Order Placed",
    "source": "com.example.orders",
    "account": "111122223333",
    "time": "2017-12-22T18:43:48Z",
    "region": "us-west-1",
    "resources": ["arn:aws:ec2:us-west-1:123456789012:instance/i-1"],
    "detail": {"state": "terminated", "count": 5, "ip": "10.0.0.7", "flag": True, "none": None},
}


def matches(pattern: dict[str, Any]) -> bool:
    return bool(EventPattern.load(json.dumps(pattern)).matches_event(EVENT))


def test_moto_names_used_by_the_seam_exist() -> None:
    assert list(inspect.signature(EventPattern.load).parameters) == ["raw_pattern"]
    assert "event" in inspect.signature(EventPattern.matches_event).parameters


# Operators from https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern-operators.html
@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ({"source": ["com.example.orders"]}, True),
        ({"source": ["other"]}, False),
        ({"detail": {"state": [{"prefix": "term"}]}}, True),
        ({"detail": {"state": [{"suffix": "nated"}]}}, True),
        ({"detail": {"state": [{"prefix": {"equals-ignore-case": "TERM"}}]}}, True),
        ({"detail": {"state": [{"anything-but": ["running"]}]}}, True),
        ({"detail": {"state": [{"anything-but": "terminated"}]}}, False),
        ({"detail": {"state": [{"anything-but": {"prefix": "term"}}]}}, False),
        ({"detail": {"count": [{"numeric": [">", 0, "<=", 5]}]}}, True),
        ({"detail": {"count": [{"numeric": [">", 5]}]}}, False),
        ({"detail": {"state": [{"exists": True}]}}, True),
        ({"detail": {"missing": [{"exists": False}]}}, True),
        ({"detail": {"missing": [{"exists": True}]}}, False),
        ({"detail": {"state": [{"equals-ignore-case": "TERMINATED"}]}}, True),
        ({"detail": {"state": [{"wildcard": "t*d"}]}}, True),
        ({"detail": {"state": [{"wildcard": "x*"}]}}, False),
        ({"detail": {"ip": [{"cidr": "10.0.0.0/24"}]}}, True),
        ({"$or": [{"source": ["nope"]}, {"detail": {"count": [5]}}]}, True),
        ({"$or": [{"source": ["nope"]}, {"detail": {"count": [6]}}]}, False),
        ({"resources": ["arn:aws:ec2:us-west-1:123456789012:instance/i-1"]}, True),
        ({"detail": {"none": [None]}}, True),
    ],
)
def test_documented_operators_that_work_in_moto(pattern: dict[str, Any], expected: bool) -> None:
    assert matches(pattern) is expected


def test_gap_unknown_operator_matches_everything() -> None:
    # AWS rejects an unknown operator at PutRule; moto's matcher treats it as a match.
    assert matches({"detail": {"state": [{"no-such-operator": "x"}]}}) is True


def test_gap_json_true_equals_number_one() -> None:
    # Python's True == 1: a pattern [1] matches the JSON boolean true (AWS: JSON types differ,
    # unconfirmed), and numeric accepts a boolean.
    assert matches({"detail": {"flag": [1]}}) is True
    assert matches({"detail": {"flag": [{"numeric": [">", 0]}]}}) is True
