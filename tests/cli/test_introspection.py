"""cli/introspection.py's lines for refused deliveries: the hint only where a permission helps."""

from __future__ import annotations

from asyncdlq.cli.introspection import PERMISSION_HINT, refused_lines

SOURCE = {"service": "sns", "source_arn": "arn:aws:sns:us-east-1:123456789012:t", "message_id": "m"}


def _refusal(reason: str) -> dict[str, object]:
    fn = "arn:aws:lambda:us-east-1:123456789012:function:f"
    return {"source": SOURCE, "function_arn": fn, "reason": reason, "at": 0.0, "then": "dropped"}


def test_a_missing_permission_ends_with_the_hint() -> None:
    lines = refused_lines([_refusal("no permission for sns.amazonaws.com from arn:...")])
    assert lines[-1] == PERMISSION_HINT
    assert lines[-2] == "    then: dropped"


def test_a_deleted_function_gets_no_permission_hint() -> None:
    lines = refused_lines([_refusal("function arn:aws:lambda:...:f does not exist")])
    assert PERMISSION_HINT not in lines
    assert lines[1].endswith("function arn:aws:lambda:...:f does not exist")


def test_nothing_refused_prints_nothing() -> None:
    assert refused_lines([]) == []
