"""The IAM identity-policy evaluator: properties (hypothesis) and one example per feature."""

from __future__ import annotations

import json
import re
from urllib.parse import quote

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from asyncdlq.emulator.iam_eval import Decision, evaluate, is_allowed, wildcard_match

QUEUE = "arn:aws:sqs:us-east-1:123456789012:lambda-DLQ"


def allow(action: object = "sqs:SendMessage", resource: object = QUEUE, **extra: object) -> dict:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def deny(action: object = "sqs:SendMessage", resource: object = QUEUE, **extra: object) -> dict:
    return {"Effect": "Deny", "Action": action, "Resource": resource, **extra}


def doc(*statements: dict) -> dict:
    return {"Version": "2012-10-17", "Statement": list(statements)}


# -- properties ------------------------------------------------------------------------------

ALPHABET = "ab:/*?-A"
patterns = st.text(alphabet=ALPHABET, max_size=8)
values = st.text(alphabet="ab:/-A*?", max_size=10)


def reference(pattern: str, value: str) -> bool:
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, value, re.DOTALL) is not None


@given(patterns, values)
def test_wildcards_agree_with_a_reference_translation(pattern: str, value: str) -> None:
    assert wildcard_match(pattern, value) == reference(pattern, value)


@given(values)
def test_a_pattern_without_wildcards_matches_only_itself(value: str) -> None:
    literal = value.replace("*", "").replace("?", "")
    assert wildcard_match(literal, value) == (literal == value)


actions = st.sampled_from(["sqs:SendMessage", "sns:Publish", "lambda:InvokeFunction", "s3:*"])
resources = st.sampled_from(
    [QUEUE, "*", "arn:aws:sqs:*", "arn:aws:sns:us-east-1:1:t", "arn:*:?qs:*"]
)


def _statement(
    effect: str, action: object, resource: object, not_action: bool, not_resource: bool
) -> dict:
    return {
        "Effect": effect,
        "NotAction" if not_action else "Action": action,
        "NotResource" if not_resource else "Resource": resource,
    }


statements = st.builds(
    _statement,
    st.sampled_from(["Allow", "Deny"]),
    st.one_of(actions, st.lists(actions, min_size=1, max_size=3)),
    st.one_of(resources, st.lists(resources, min_size=1, max_size=3)),
    st.booleans(),
    st.booleans(),
)
requests = st.tuples(
    st.sampled_from(["sqs:SendMessage", "sns:Publish", "lambda:InvokeFunction", "s3:PutObject"]),
    st.sampled_from([QUEUE, "arn:aws:sns:us-east-1:1:t", "arn:aws:s3:::b/*"]),
)


@given(st.lists(statements, max_size=5), requests)
def test_adding_a_matching_deny_always_denies(stmts: list[dict], request: tuple[str, str]) -> None:
    action, resource = request
    assert (
        evaluate([doc(*stmts, deny(action, resource))], action, resource) is Decision.EXPLICIT_DENY
    )


@given(st.lists(statements, max_size=5), requests, st.randoms(use_true_random=False))
def test_the_decision_does_not_depend_on_statement_order(
    stmts: list[dict], request: tuple[str, str], rnd: object
) -> None:
    shuffled = list(stmts)
    rnd.shuffle(shuffled)  # type: ignore[attr-defined]
    one_doc = evaluate([doc(*stmts)], *request)
    assert evaluate([doc(*shuffled)], *request) is one_doc
    assert evaluate([doc(s) for s in shuffled], *request) is one_doc  # split across policies


@given(st.lists(statements, max_size=5), requests, st.data())
def test_a_deny_never_turns_into_allow_by_adding_statements(
    stmts: list[dict], request: tuple[str, str], data: st.DataObject
) -> None:
    extra = data.draw(st.lists(statements, max_size=3))
    before = evaluate([doc(*stmts)], *request)
    after = evaluate([doc(*stmts, *extra)], *request)
    if before is Decision.EXPLICIT_DENY:
        assert after is Decision.EXPLICIT_DENY
    if after is Decision.ALLOW:
        assert before is not Decision.EXPLICIT_DENY


@given(st.lists(statements, max_size=5), requests, st.data())
def test_case_changes_in_the_action_never_change_the_decision(
    stmts: list[dict], request: tuple[str, str], data: st.DataObject
) -> None:
    action, resource = request
    flips = data.draw(st.lists(st.booleans(), min_size=len(action), max_size=len(action)))
    recased = "".join(c.swapcase() if f else c for c, f in zip(action, flips))
    assert evaluate([doc(*stmts)], recased, resource) is evaluate([doc(*stmts)], action, resource)


@given(
    st.sampled_from(["Allow", "Deny"]),
    st.one_of(resources, st.lists(resources, max_size=3)),
    requests,
)
def test_not_resource_complements_resource(
    effect: str, pattern: object, request: tuple[str, str]
) -> None:
    action, resource = request
    with_resource = {"Effect": effect, "Action": "*", "Resource": pattern}
    with_not = {"Effect": effect, "Action": "*", "NotResource": pattern}
    applies = evaluate([doc(with_resource)], action, resource) is not Decision.IMPLICIT_DENY
    applies_not = evaluate([doc(with_not)], action, resource) is not Decision.IMPLICIT_DENY
    assert applies != applies_not


@settings(max_examples=50)
@given(st.lists(statements, max_size=5), requests)
def test_is_allowed_is_evaluate_allow(stmts: list[dict], request: tuple[str, str]) -> None:
    assert is_allowed([doc(*stmts)], *request) == (
        evaluate([doc(*stmts)], *request) is Decision.ALLOW
    )


# -- examples --------------------------------------------------------------------------------


def test_no_policies_is_an_implicit_deny() -> None:
    assert evaluate([], "sqs:SendMessage", QUEUE) is Decision.IMPLICIT_DENY


def test_statement_may_be_a_single_dict_and_documents_may_be_strings() -> None:
    single = {"Version": "2012-10-17", "Statement": allow()}
    assert evaluate([single], "sqs:SendMessage", QUEUE) is Decision.ALLOW
    assert evaluate([json.dumps(single)], "sqs:SendMessage", QUEUE) is Decision.ALLOW
    assert evaluate([quote(json.dumps(single))], "sqs:SendMessage", QUEUE) is Decision.ALLOW


def test_action_matching_ignores_case_and_resource_matching_does_not() -> None:
    policy = doc(allow("SQS:sendmessage"))
    assert is_allowed([policy], "sqs:SendMessage", QUEUE)
    assert not is_allowed([policy], "sqs:SendMessage", QUEUE.replace("DLQ", "dlq"))


@pytest.mark.parametrize(
    ("pattern", "allowed"),
    [
        ("sqs:*", True),
        ("sqs:Send*", True),
        ("sqs:SendMessag?", True),
        ("sqs:Send?", False),
        ("*", True),
        ("sqs:Receive*", False),
        ("sns:*", False),
        (["sns:Publish", "sqs:SendMessage"], True),
    ],
)
def test_action_wildcards_and_lists(pattern: object, allowed: bool) -> None:
    assert is_allowed([doc(allow(pattern))], "sqs:SendMessage", QUEUE) is allowed


@pytest.mark.parametrize(
    ("pattern", "allowed"),
    [
        ("*", True),
        ("arn:aws:sqs:*:123456789012:*", True),
        ("arn:aws:sqs:us-east-1:123456789012:lambda-DL?", True),
        ("arn:aws:sqs:us-east-1:123456789012:lambda-DLQ?", False),
        ("arn:aws:sqs:*", True),
        ("arn:aws:sqs:us-east-1:123456789012:other", False),
    ],
)
def test_resource_wildcards(pattern: str, allowed: bool) -> None:
    assert is_allowed([doc(allow(resource=pattern))], "sqs:SendMessage", QUEUE) is allowed


def test_explicit_deny_wins_across_policies() -> None:
    assert (
        evaluate([doc(allow("*", "*")), doc(deny("sqs:*"))], "sqs:SendMessage", QUEUE)
        is Decision.EXPLICIT_DENY
    )


def test_not_action_allows_everything_else() -> None:
    policy = doc({"Effect": "Allow", "NotAction": "sqs:DeleteQueue", "Resource": "*"})
    assert is_allowed([policy], "sqs:SendMessage", QUEUE)
    assert not is_allowed([policy], "sqs:deletequeue", QUEUE)


def test_not_resource_deny_protects_all_but_one_queue() -> None:
    policy = doc(allow("sqs:*", "*"), {"Effect": "Deny", "Action": "sqs:*", "NotResource": QUEUE})
    assert is_allowed([policy], "sqs:SendMessage", QUEUE)
    assert evaluate([policy], "sqs:SendMessage", QUEUE + "2") is Decision.EXPLICIT_DENY


def test_statement_without_resource_grants_nothing() -> None:
    assert not is_allowed([doc({"Effect": "Allow", "Action": "*"})], "sqs:SendMessage", QUEUE)


CTX = {
    "aws:PrincipalArn": "arn:aws:iam::123456789012:role/fn-role",
    "aws:SourceAccount": "123456789012",
    "aws:SecureTransport": "true",
    "aws:MultiValued": ["a", "b"],
    "size": "5",
}


@pytest.mark.parametrize(
    ("condition", "holds"),
    [
        ({"StringEquals": {"aws:SourceAccount": "123456789012"}}, True),
        (
            {"StringEquals": {"AWS:SOURCEACCOUNT": ["1", "123456789012"]}},
            True,
        ),  # keys ignore case, values OR
        ({"StringEquals": {"aws:SourceAccount": "1"}}, False),
        ({"StringNotEquals": {"aws:SourceAccount": "1"}}, True),
        ({"StringNotEquals": {"aws:SourceAccount": ["1", "123456789012"]}}, False),
        (
            {
                "StringEqualsIgnoreCase": {
                    "aws:PrincipalArn": "ARN:AWS:IAM::123456789012:ROLE/FN-ROLE"
                }
            },
            True,
        ),
        ({"StringLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/fn-*"}}, True),
        ({"StringNotLike": {"aws:PrincipalArn": "*role/fn-*"}}, False),
        ({"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::123456789012:role/*"}}, True),
        ({"ArnEquals": {"aws:PrincipalArn": "arn:aws:iam::123456789012:role/fn-role"}}, True),
        ({"ArnNotLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/other"}}, True),
        ({"ArnNotEquals": {"aws:PrincipalArn": "arn:aws:iam::123456789012:role/fn-role"}}, False),
        ({"ArnLike": {"aws:SourceAccount": "*"}}, False),  # not an ARN
        ({"Bool": {"aws:SecureTransport": True}}, True),
        ({"Bool": {"aws:SecureTransport": "false"}}, False),
        ({"NumericLessThan": {"size": "6"}}, True),
        ({"NumericLessThanEquals": {"size": 5}}, True),
        ({"NumericGreaterThan": {"size": "5"}}, False),
        ({"NumericGreaterThanEquals": {"size": "5"}}, True),
        ({"NumericEquals": {"size": "5.0"}}, True),
        ({"NumericNotEquals": {"size": "5"}}, False),
        ({"NumericEquals": {"size": "five"}}, False),
        # keys ANDed, operators ANDed
        ({"StringEquals": {"aws:SourceAccount": "123456789012", "size": "6"}}, False),
        (
            {
                "StringEquals": {"aws:SourceAccount": "123456789012"},
                "Bool": {"aws:SecureTransport": "false"},
            },
            False,
        ),
        # missing keys
        ({"StringEquals": {"aws:Missing": "x"}}, False),
        ({"StringEqualsIfExists": {"aws:Missing": "x"}}, True),
        ({"StringEqualsIfExists": {"aws:SourceAccount": "1"}}, False),
        ({"StringNotEquals": {"aws:Missing": "x"}}, True),
        ({"Null": {"aws:Missing": "true"}}, True),
        ({"Null": {"aws:SourceAccount": "true"}}, False),
        ({"Null": {"aws:SourceAccount": "false"}}, True),
        # multivalued keys
        ({"ForAnyValue:StringEquals": {"aws:MultiValued": "b"}}, True),
        ({"ForAllValues:StringEquals": {"aws:MultiValued": "b"}}, False),
        ({"ForAllValues:StringEquals": {"aws:MultiValued": ["a", "b", "c"]}}, True),
        ({"ForAllValues:StringEquals": {"aws:Missing": "a"}}, True),
        ({"ForAnyValue:StringEquals": {"aws:Missing": "a"}}, False),
        ({"ForAnyValue:StringNotEquals": {"aws:MultiValued": "a"}}, True),
        ({"ForAllValues:StringNotEquals": {"aws:MultiValued": "a"}}, False),
        # unknown operator: the statement does not apply
        ({"DateLessThan": {"aws:CurrentTime": "2030-01-01T00:00:00Z"}}, False),
    ],
)
def test_conditions(condition: dict, holds: bool) -> None:
    assert is_allowed([doc(allow(Condition=condition))], "sqs:SendMessage", QUEUE, CTX) is holds


def test_an_unknown_operator_on_a_deny_does_not_deny() -> None:
    policy = doc(allow(), deny(Condition={"Mystery": {"k": "v"}}))
    assert evaluate([policy], "sqs:SendMessage", QUEUE) is Decision.ALLOW


def test_a_deny_with_a_condition_that_holds_denies() -> None:
    policy = doc(allow(), deny(Condition={"StringLike": {"aws:PrincipalArn": "*fn-role"}}))
    assert evaluate([policy], "sqs:SendMessage", QUEUE, CTX) is Decision.EXPLICIT_DENY
