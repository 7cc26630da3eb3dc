"""Function names, qualifiers and regions in a request, against AWS's recorded answers.

Source of every expected value (AWS-validated snapshots, recorded 25-11-2025):
localstack/localstack tests/aws/services/lambda_/test_lambda_api.snapshot.json,
TestLambdaFunction::test_function_name_and_qualifier_validation[<case>-<operation>] (the
recording keeps the code and, for validation errors, the sorted list of errors: the order AWS
lists two errors in is not recorded) and TestLambdaFunction::test_get_function_wrong_region.
The function "my-function" does not exist, as in the recording.
"""

from __future__ import annotations

import re
from typing import Any

import botocore.exceptions
import pytest

from tests.emulator.conformance.normalize import normalize
from tests.emulator.conftest import zip_source

# The patterns AWS quotes (NamespacedFunctionName; CreateFunction's FunctionName; Qualifier).
NAMESPACED = (
    r"(arn:(aws[a-zA-Z-]*)?:lambda:)?((eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}:)?"
    r"(\d{12}:)?(function:)?([a-zA-Z0-9-_\.]+)(:(\$LATEST(\.PUBLISHED)?|[a-zA-Z0-9-_]+))?"
)
CREATE = (
    r"(arn:(aws[a-zA-Z-]*)?:lambda:)?((eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}:)?"
    r"(\d{12}:)?(function:)?([a-zA-Z0-9-_]+)(:(\$LATEST|[a-zA-Z0-9-_]+))?"
)
QUALIFIER = r"\$(LATEST(\.PUBLISHED)?)|[a-zA-Z0-9-_$]+"
OPERATIONS = ("get_function", "delete_function", "invoke", "create_function")
ARN = "arn:aws:lambda:us-east-1:111111111111:function"
A65, A129, A170 = "a" * 65, "a" * 129, "a" * 170


def pattern_error(value: str, pattern: str, field: str = "functionName") -> str:
    return (
        f"Value '{value}' at '{field}' failed to satisfy constraint: Member must satisfy "
        f"regular expression pattern: {pattern}"
    )


def invalid(value: str, field: str = "functionName") -> dict[str, Any]:
    """A pattern error: NamespacedFunctionName's for the three, CreateFunction's own for it."""
    return {op: ("ValidationException", [pattern_error_for(op, value, field)]) for op in OPERATIONS}


def pattern_error_for(op: str, value: str, field: str) -> str:
    pattern = CREATE if op == "create_function" else NAMESPACED
    return (
        f"Value '{value}' at '{field}' failed to satisfy constraint: Member must satisfy "
        f"regular expression pattern: {pattern}"
    )


def too_long(value: str, limit: int, field: str) -> str:
    return (
        f"Value '{value}' at '{field}' failed to satisfy constraint: Member must have length "
        f"less than or equal to {limit}"
    )


def not_found(suffix: str = "", invoke_suffix: str = ":$LATEST") -> dict[str, Any]:
    message = f"Function not found: {ARN}:{{}}"
    return {
        "get_function": ("ResourceNotFoundException", message + suffix),
        "delete_function": ("ResourceNotFoundException", message + suffix),
        "invoke": ("ResourceNotFoundException", message + invoke_suffix),
    }


MISMATCH = "The derived qualifier from the function name does not match the specified qualifier."

CASES: dict[str, tuple[dict[str, str], dict[str, Any]]] = {
    "invalid_characters_in_function_name": (
        {"FunctionName": "my-function!"},
        invalid("my-function!"),
    ),
    "function_name_is_single_invalid": ({"FunctionName": "*"}, invalid("*")),
    "invalid_characters_in_qualifier": (
        {"FunctionName": "my-function", "Qualifier": "invalid!"},
        {
            **{
                op: ("ValidationException", [pattern_error("invalid!", QUALIFIER, "qualifier")])
                for op in OPERATIONS[:3]
            },
            "create_function": (
                "ValidationException",
                [pattern_error_for("create_function", "my-function:invalid!", "functionName")],
            ),
        },
    ),
    "qualifier_too_long": (
        {"FunctionName": "my-function", "Qualifier": A129},
        {
            **{
                op: ("ValidationException", [too_long(A129, 128, "qualifier")])
                for op in OPERATIONS[:3]
            },
            "create_function": (
                "ValidationException",
                [too_long(f"my-function:{A129}", 140, "functionName")],
            ),
        },
    ),
    "invalid_account_id_in_partial_arn": (
        {"FunctionName": "invalid-account:function:my-function"},
        invalid("invalid-account:function:my-function"),
    ),
    "invalid_region_in_arn": (
        {"FunctionName": "arn:aws:lambda:invalid-region:{account}:function:my-function"},
        invalid("arn:aws:lambda:invalid-region:111111111111:function:my-function"),
    ),
    "non_lambda_arn": (
        {"FunctionName": "arn:aws:ec2:us-east-1:{account}:instance:i-1234567890abcdef0"},
        invalid("arn:aws:ec2:us-east-1:111111111111:instance:i-1234567890abcdef0"),
    ),
    "function_name_too_long": (
        {"FunctionName": A65},
        {
            "get_function": ("ResourceNotFoundException", f"Function not found: {ARN}:{A65}"),
            "delete_function": ("ResourceNotFoundException", f"Function not found: {ARN}:{A65}"),
            "invoke": ("ResourceNotFoundException", f"Function not found: {ARN}:{A65}:$LATEST"),
            "create_function": (
                "InvalidParameterValueException",
                [too_long(A65, 64, "functionName")],
            ),
        },
    ),
    "full_arn_with_multiple_qualifiers": (
        {"FunctionName": "arn:aws:lambda:us-east-1:{account}:function:my-function:1:2"},
        invalid(f"{ARN}:my-function:1:2"),
    ),
    "partial_arn_with_extra_qualifier": (
        {"FunctionName": "function:my-function:$LATEST:extra"},
        invalid("function:my-function:$LATEST:extra"),
    ),
    "latest_version_with_additional_qualifier": (
        {
            "FunctionName": "arn:aws:lambda:us-east-1:{account}:function:my-function:$LATEST",
            "Qualifier": "1",
        },
        {
            **{op: ("InvalidParameterValueException", MISMATCH) for op in OPERATIONS[:3]},
            "create_function": (
                "ValidationException",
                [
                    pattern_error_for(
                        "create_function", f"{ARN}:my-function:$LATEST:1", "functionName"
                    )
                ],
            ),
        },
    ),
    "missing_region_in_arn": (
        {"FunctionName": "arn:aws:lambda::{account}:function:my-function"},
        invalid("arn:aws:lambda::111111111111:function:my-function"),
    ),
    "missing_account_id_in_arn": (
        {"FunctionName": "arn:aws:lambda:us-east-1::function:my-function"},
        invalid("arn:aws:lambda:us-east-1::function:my-function"),
    ),
    "misspelled_latest_in_arn": (
        {"FunctionName": "arn:aws:lambda:us-east-1:{account}:function:my-function:$LATES"},
        invalid(f"{ARN}:my-function:$LATES"),
    ),
    "function_name_too_long_and_invalid_region": (
        {"FunctionName": "arn:aws:lambda:invalid-region:{account}:function:my-function" + A170},
        {
            **invalid(f"arn:aws:lambda:invalid-region:111111111111:function:my-function{A170}"),
            "create_function": (
                "ValidationException",
                sorted(
                    [
                        too_long(
                            f"arn:aws:lambda:invalid-region:111111111111:function:my-function{A170}",
                            140,
                            "functionName",
                        ),
                        pattern_error_for(
                            "create_function",
                            f"arn:aws:lambda:invalid-region:111111111111:function:my-function{A170}",
                            "functionName",
                        ),
                    ]
                ),
            ),
        },
    ),
}


@pytest.fixture
def lam(aws: Any) -> Any:
    return aws.client("lambda")


def call(lam: Any, op: str, kwargs: dict[str, str]) -> dict[str, Any]:
    if op == "create_function":
        name = kwargs["FunctionName"]
        if kwargs.get("Qualifier"):
            name += ":" + kwargs["Qualifier"]
        return lam.create_function(
            FunctionName=name,
            Runtime="python3.12",
            Role="arn:aws:iam::123456789012:role/never-used",
            Handler="handler.lambda_handler",
            Code={"ZipFile": zip_source("def lambda_handler(e, c): return e")},
        )
    return getattr(lam, op)(**kwargs)


def answer_of(lam: Any, op: str, kwargs: dict[str, str]) -> tuple[str, Any]:
    with pytest.raises(botocore.exceptions.ClientError) as err:
        call(lam, op, kwargs)
    error = normalize(err.value.response["Error"])
    found = re.findall(
        r"(Value '.*?' at '.*?' failed to satisfy constraint: .+?(?=; Value|$))", error["Message"]
    )
    return error["Code"], sorted(found) if found else error["Message"]


@pytest.mark.parametrize("op", OPERATIONS)
@pytest.mark.parametrize("case", sorted(CASES))
def test_names_and_qualifiers_as_aws_answers(lam: Any, case: str, op: str) -> None:
    request, expected = CASES[case]
    if op not in expected:
        pytest.skip("not recorded")
    account = "123456789012"
    kwargs = {k: v.replace("{account}", account) for k, v in request.items()}
    assert answer_of(lam, op, kwargs) == expected[op]


WRONG_REGION_OPERATIONS = (
    "get_function",
    "get_function_configuration",
    "get_function_event_invoke_config",
    "get_function_concurrency",
    "delete_function",
    "invoke",
)


@pytest.mark.parametrize("op", WRONG_REGION_OPERATIONS)
def test_a_function_of_another_region_is_not_reachable(lam: Any, deploy: Any, op: str) -> None:
    # test_get_function_wrong_region[<op>]: 404 ResourceNotFoundException.
    fn = deploy("def lambda_handler(event, context):\n    return event\n", retries=None)
    elsewhere = fn.arn.replace(":us-east-1:", ":eu-central-1:")
    with pytest.raises(botocore.exceptions.ClientError) as err:
        getattr(lam, op)(FunctionName=elsewhere)
    response = err.value.response
    message = "Functions from 'eu-central-1' are not reachable in this region ('us-east-1')"
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 404
    assert response["Error"] == {"Code": "ResourceNotFoundException", "Message": message}
