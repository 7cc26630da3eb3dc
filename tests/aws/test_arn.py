"""ARNs: parsing, the refusals, each service's resource name, and the round trip."""

from __future__ import annotations

import pytest

from asyncdlq.aws.arn import Arn, ArnError

ACCOUNT = "123456789012"


def test_fields() -> None:
    arn = Arn.parse(f"arn:aws:sqs:us-east-1:{ACCOUNT}:my-queue")
    assert (arn.partition, arn.service, arn.region, arn.account, arn.resource) == (
        "aws",
        "sqs",
        "us-east-1",
        ACCOUNT,
        "my-queue",
    )


@pytest.mark.parametrize(
    ("text", "kind", "name", "qualifier"),
    [
        (f"arn:aws:sqs:us-east-1:{ACCOUNT}:q", "", "q", None),
        (f"arn:aws:sqs:us-east-1:{ACCOUNT}:q.fifo", "", "q.fifo", None),
        (f"arn:aws:sns:us-east-1:{ACCOUNT}:t", "", "t", None),
        (f"arn:aws:sns:us-east-1:{ACCOUNT}:t:0b2f6c1e-subscription", "", "t", None),
        (f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:fn", "function", "fn", None),
        (f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:fn:$LATEST", "function", "fn", "$LATEST"),
        (f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:fn:7", "function", "fn", "7"),
        (f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:fn:live", "function", "fn", "live"),
        (f"arn:aws:lambda:us-east-1:{ACCOUNT}:layer:l:1", "layer", "l", None),
        (f"arn:aws:events:us-east-1:{ACCOUNT}:event-bus/default", "event-bus", "default", None),
        (
            f"arn:aws:events:us-east-1:{ACCOUNT}:event-bus/aws.partner/example.com/1/b",
            "event-bus",
            "aws.partner/example.com/1/b",
            None,
        ),
        (f"arn:aws:events:us-east-1:{ACCOUNT}:rule/r", "rule", "r", None),
        ("arn:aws:s3:::my-bucket", "", "my-bucket", None),
        ("arn:aws:s3:::my-bucket/some/key", "", "my-bucket", None),
        (f"arn:aws:iam::{ACCOUNT}:role/service-role/r", "role", "service-role/r", None),
        (f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/t", "table", "t", None),
        (
            f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:/aws/lambda/fn",
            "log-group",
            "/aws/lambda/fn",
            None,
        ),
        (f"arn:aws-us-gov:sqs:us-gov-west-1:{ACCOUNT}:q", "", "q", None),
    ],
)
def test_names_per_service(text: str, kind: str, name: str, qualifier: str | None) -> None:
    arn = Arn.parse(text)
    assert (arn.resource_type, arn.name, arn.qualifier) == (kind, name, qualifier)
    assert str(arn) == text


@pytest.mark.parametrize(
    "text",
    [
        "arn:aws:sqs:::",
        f"arn:aws:sqs:us-east-1:{ACCOUNT}:",
        f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:",
        "arn:aws:s3:::",
    ],
)
def test_an_arn_that_names_nothing_parses_with_an_empty_name(text: str) -> None:
    # Whether such an ARN is usable is the caller's question (validation refuses it).
    arn = Arn.parse(text)
    assert arn.name == ""
    assert str(arn) == text


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("my-queue", "does not start with 'arn:'"),
        ("", "does not start with 'arn:'"),
        ("ARN:aws:sqs:us-east-1:1:q", "does not start with 'arn:'"),
        ("arn:aws:sqs:us-east-1:q", "has 5 of the 6 colon-separated fields"),
        ("arn:aws", "has 2 of the 6 colon-separated fields"),
        ("arn::sqs:us-east-1:1:q", "names no partition"),
        ("arn:aws::us-east-1:1:q", "names no service"),
    ],
)
def test_bad_input_says_what_is_wrong(text: str, reason: str) -> None:
    with pytest.raises(ArnError) as err:
        Arn.parse(text)
    assert isinstance(err.value, ValueError)
    assert repr(text) in str(err.value)
    assert reason in str(err.value)


def test_not_a_string() -> None:
    with pytest.raises(ArnError, match="an ARN is a string, not NoneType"):
        Arn.parse(None)  # type: ignore[arg-type]


def test_the_resource_keeps_every_colon() -> None:
    text = f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:fn:alias:extra"
    arn = Arn.parse(text)
    assert arn.resource == "function:fn:alias:extra"
    assert str(arn) == text


def test_frozen_and_comparable() -> None:
    a = Arn.parse("arn:aws:s3:::b")
    assert a == Arn("aws", "s3", "", "", "b")
    assert hash(a) == hash(Arn.parse("arn:aws:s3:::b"))
    with pytest.raises(AttributeError):
        a.resource = "c"  # type: ignore[misc]


def test_a_function_arn_is_built_with_and_without_its_qualifier() -> None:
    plain = Arn.function("aws-cn", "cn-north-1", "123456789012", "orders")
    assert str(plain) == "arn:aws-cn:lambda:cn-north-1:123456789012:function:orders"
    qualified = Arn.function("aws", "eu-west-1", "123456789012", "orders", "live")
    assert (qualified.name, qualified.qualifier) == ("orders", "live")
    assert Arn.parse(str(qualified)) == qualified
