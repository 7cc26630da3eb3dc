"""The table of dead-letter and destination targets: complete, and what validation obeys."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from asyncdlq.aws.arn import Arn
from asyncdlq.emulator import targets, validation
from asyncdlq.emulator.moto_glue import InvalidParameterValueException
from asyncdlq.emulator.targets import TARGETS, Use

ACCOUNT = "123456789012"
FN = f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:my-fn"
# One target of each service, of a kind each service delivers to.
EXAMPLES = {
    "sqs": f"arn:aws:sqs:us-east-1:{ACCOUNT}:q",
    "sns": f"arn:aws:sns:us-east-1:{ACCOUNT}:t",
    "lambda": f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:other-fn",
    "events": f"arn:aws:events:us-east-1:{ACCOUNT}:event-bus/default",
    "s3": "arn:aws:s3:::my-bucket",
}
# Where AWS allows each (docs/aws-behaviour.md, Destinations and dead-letter targets).
ALLOWED = {
    "sqs": {Use.DEAD_LETTER, Use.ON_SUCCESS, Use.ON_FAILURE},
    "sns": {Use.DEAD_LETTER, Use.ON_SUCCESS, Use.ON_FAILURE},
    "lambda": {Use.ON_SUCCESS, Use.ON_FAILURE},
    "events": {Use.ON_SUCCESS, Use.ON_FAILURE},
    "s3": {Use.ON_FAILURE},
}


def test_every_service_has_an_entry_under_its_own_name() -> None:
    assert set(TARGETS) == set(EXAMPLES)
    for service, target in TARGETS.items():
        assert target.service == service


@pytest.mark.parametrize("service", sorted(EXAMPLES))
def test_every_entry_has_every_field(service: str) -> None:
    target = TARGETS[service]
    arn = Arn.parse(EXAMPLES[service])
    for field in dataclasses.fields(target):
        value = getattr(target, field.name)
        if field.name in ("dead_letter_denied", "send_dead_letter"):
            # Present exactly where a dead-letter queue is allowed.
            assert (value is not None) == (Use.DEAD_LETTER in target.allowed), field.name
        else:
            assert value not in (None, "", (), frozenset()), field.name
    assert target.action.startswith(f"{service}:")
    assert target.action in target.documented_actions
    assert target.action_resource(arn).startswith(str(arn))
    assert target.accepts(arn)
    assert target.names_resource(arn)
    assert set(target.allowed) == ALLOWED[service]


def test_s3_documents_list_bucket_and_grants_put_object_on_the_objects() -> None:
    s3 = TARGETS["s3"]
    assert s3.documented_actions == ("s3:PutObject", "s3:ListBucket")
    assert s3.action_resource(Arn.parse(EXAMPLES["s3"])) == "arn:aws:s3:::my-bucket/*"


def _everything_exists(arn: str) -> bool:
    return True


def _validation_allows(arn: str, use: Use) -> bool:
    """What validation answers for one ARN in one place (dead letter or destination)."""
    if use is Use.DEAD_LETTER:
        try:
            validation.validate_dead_letter_arn(arn)
        except InvalidParameterValueException:
            return False
        return True
    return validation.validate_destination_arn(
        FN, arn, on_failure=use is Use.ON_FAILURE, target_exists=_everything_exists
    )


@pytest.mark.parametrize("use", list(Use))
@pytest.mark.parametrize("service", sorted(EXAMPLES))
def test_allowed_where_is_what_validation_does(service: str, use: Use) -> None:
    arn = EXAMPLES[service]
    assert targets.allows(Arn.parse(arn), use) == (use in ALLOWED[service])
    assert _validation_allows(arn, use) == (use in ALLOWED[service])


@pytest.mark.parametrize(
    "arn",
    [
        f"arn:aws:sqs:us-east-1:{ACCOUNT}:q.fifo",
        f"arn:aws:sns:us-east-1:{ACCOUNT}:t.fifo",
        f"arn:aws:lambda:us-east-1:{ACCOUNT}:layer:l:1",
        f"arn:aws:events:us-east-1:{ACCOUNT}:rule/r",
        f"arn:aws:iam::{ACCOUNT}:role/r",
    ],
)
@pytest.mark.parametrize("use", [Use.ON_SUCCESS, Use.ON_FAILURE])
def test_kinds_no_destination_takes(arn: str, use: Use) -> None:
    assert not targets.allows(Arn.parse(arn), use)
    assert not _validation_allows(arn, use)


def test_existence_uses_the_function_look_up_it_is_given() -> None:
    seen: list[Any] = []

    def function_exists(arn: Arn) -> bool:
        seen.append((arn.name, arn.qualifier))
        return False

    exists = targets.existence(function_exists)
    assert not exists(EXAMPLES["lambda"] + ":live")
    assert seen == [("other-fn", "live")]
    assert targets.existence()(EXAMPLES["lambda"])  # without a look-up, functions are taken
    assert not exists("not-an-arn")
    assert not exists(f"arn:aws:iam::{ACCOUNT}:role/r")


def test_s3_record_key_layout() -> None:
    record = {
        "timestamp": "2024-11-14T18:16:05.568Z",
        "requestContext": {"functionArn": f"{FN}:$LATEST"},
    }
    key = targets.s3_record_key(record)
    prefix = "aws/lambda/async/my-fn/2024/11/14/2024-11-14T18.16.05-"
    assert key.startswith(prefix)
    assert len(key) == len(prefix) + 36  # a random UUID
    assert targets.s3_record_key(record) != key
