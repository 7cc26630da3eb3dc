"""Configuration-time validation: AWS's codes and texts (sources in validation.py)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from asyncdlq.aws.arn import Arn
from asyncdlq.emulator import validation
from asyncdlq.emulator.moto_glue import InvalidParameterValueException, LambdaClientError

from .conftest import SUCCEEDING, Aws

ACCOUNT = "123456789012"
FN = f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:my-fn"
OTHER_FN = f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:other-fn"
QUEUE = f"arn:aws:sqs:us-east-1:{ACCOUNT}:q"
TOPIC = f"arn:aws:sns:us-east-1:{ACCOUNT}:t"
BUS = f"arn:aws:events:us-east-1:{ACCOUNT}:event-bus/default"
BUCKET = "arn:aws:s3:::my-bucket"


def everything_exists(arn: str) -> bool:
    return True


def validate(config: dict[str, Any], function_arn: str = FN) -> None:
    validation.validate_event_invoke_config(function_arn, config, target_exists=everything_exists)


def error_of(config: dict[str, Any], function_arn: str = FN) -> tuple[str, str]:
    with pytest.raises(LambdaClientError) as err:
        validate(config, function_arn)
    return err.value.error_type, err.value.message


def on_success(arn: str) -> dict[str, Any]:
    return {"DestinationConfig": {"OnSuccess": {"Destination": arn}}}


def on_failure(arn: str) -> dict[str, Any]:
    return {"DestinationConfig": {"OnFailure": {"Destination": arn}}}


# -- ranges ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("config", "message"),
    [
        (
            {"MaximumRetryAttempts": 3},
            "1 validation error detected: Value '3' at 'maximumRetryAttempts' failed to satisfy "
            "constraint: Member must have value less than or equal to 2",
        ),
        (
            {"MaximumRetryAttempts": -1},
            "1 validation error detected: Value '-1' at 'maximumRetryAttempts' failed to satisfy "
            "constraint: Member must have value greater than or equal to 0",
        ),
        (
            {"MaximumEventAgeInSeconds": 59},
            "1 validation error detected: Value '59' at 'maximumEventAgeInSeconds' failed to "
            "satisfy constraint: Member must have value greater than or equal to 60",
        ),
        (
            {"MaximumEventAgeInSeconds": 21601},
            "1 validation error detected: Value '21601' at 'maximumEventAgeInSeconds' failed to "
            "satisfy constraint: Member must have value less than or equal to 21600",
        ),
        (
            {"MaximumRetryAttempts": 5, "MaximumEventAgeInSeconds": 1},
            "2 validation errors detected: Value '5' at 'maximumRetryAttempts' failed to satisfy "
            "constraint: Member must have value less than or equal to 2; Value '1' at "
            "'maximumEventAgeInSeconds' failed to satisfy constraint: Member must have value "
            "greater than or equal to 60",
        ),
    ],
)
def test_ranges(config: dict[str, Any], message: str) -> None:
    assert error_of(config) == ("ValidationException", message)


@pytest.mark.parametrize(
    "config",
    [
        {"MaximumRetryAttempts": 0},
        {"MaximumRetryAttempts": 2},
        {"MaximumEventAgeInSeconds": 60},
        {"MaximumEventAgeInSeconds": 21600},
        {"DestinationConfig": {"OnSuccess": {}}},  # accepted by AWS (recorded)
    ],
)
def test_bounds_and_empty_destinations_are_accepted(config: dict[str, Any]) -> None:
    validate(config)


def test_nothing_set() -> None:
    assert error_of({}) == (
        "InvalidParameterValueException",
        "You must specify at least one of error handling or destination setting.",
    )
    assert error_of({"MaximumRetryAttempts": None})[1] == validation.NOTHING_SET


# -- destinations ------------------------------------------------------------------------------


@pytest.mark.parametrize("arn", [QUEUE, TOPIC, OTHER_FN, OTHER_FN + ":1", BUS])
def test_supported_destinations(arn: str) -> None:
    validate(on_success(arn))
    validate(on_failure(arn))


def test_s3_is_an_on_failure_destination_only() -> None:
    validate(on_failure(BUCKET))
    assert error_of(on_success(BUCKET)) == (
        "InvalidParameterValueException",
        f"The provided destination config DestinationConfig(onSuccess=OnSuccess(destination={BUCKET}), onFailure=null) is invalid.",
    )


@pytest.mark.parametrize(
    "arn",
    [FN, FN + ":$LATEST", FN + ":1", FN + ":live"],
)
def test_the_function_as_its_own_destination(arn: str) -> None:
    assert error_of(on_failure(arn)) == (
        "InvalidParameterValueException",
        "You can't specify the function as a destination for itself.",
    )
    assert error_of(on_success(arn), function_arn=FN + ":$LATEST")[1] == validation.SELF_DESTINATION


@pytest.mark.parametrize(
    "arn",
    [
        f"arn:aws:iam::{ACCOUNT}:role/r",
        f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/t",
        QUEUE + ".fifo",
        TOPIC + ".fifo",
        f"arn:aws:lambda:us-east-1:{ACCOUNT}:layer:l:1",
        f"arn:aws:events:us-east-1:{ACCOUNT}:rule/r",
    ],
)
def test_unsupported_destinations(arn: str) -> None:
    code, message = error_of({"MaximumRetryAttempts": 1, **on_success(arn)})
    assert code == "InvalidParameterValueException"
    assert message == (
        f"The provided destination config DestinationConfig(onSuccess=OnSuccess(destination={arn}), onFailure=null) is invalid."
    )


def test_both_unsupported_destinations_are_named() -> None:
    bad = f"arn:aws:iam::{ACCOUNT}:role/r"
    config = {
        "DestinationConfig": {"OnSuccess": {"Destination": bad}, "OnFailure": {"Destination": bad}}
    }
    assert error_of(config)[1] == (
        f"The provided destination config DestinationConfig(onSuccess=OnSuccess(destination={bad}), "
        f"onFailure=OnFailure(destination={bad})) is invalid."
    )


@pytest.mark.parametrize(
    ("config", "field", "value"),
    [
        (on_failure("my-queue"), "onFailure", "my-queue"),
        (
            on_success("arn:aws:_-/!lambda:us-east-1:1:function:x"),
            "onSuccess",
            "arn:aws:_-/!lambda:us-east-1:1:function:x",
        ),
        (on_failure("arn:aws:sqs:us-east-1:12345:q"), "onFailure", "arn:aws:sqs:us-east-1:12345:q"),
    ],
)
def test_malformed_destination_arns(config: dict[str, Any], field: str, value: str) -> None:
    assert error_of(config) == (
        "ValidationException",
        f"1 validation error detected: Value '{value}' at 'destinationConfig.{field}.destination' "
        f"failed to satisfy constraint: Member must satisfy regular expression pattern: {validation.DESTINATION_PATTERN}",
    )


def test_destination_must_exist() -> None:
    with pytest.raises(InvalidParameterValueException) as err:
        validation.validate_event_invoke_config(
            FN, on_failure(QUEUE), target_exists=lambda arn: False
        )
    assert err.value.message == f"The destination ARN {QUEUE} is invalid."


# -- against the emulator's own resources --------------------------------------------------------


def api_function_exists(aws: Aws) -> Any:
    """A function look-up as the Lambda backend gives validation one, here through the API
    (validation itself cannot import the backend)."""
    client = aws.client("lambda")

    def exists(arn: Arn) -> bool:
        try:
            client.get_function(FunctionName=arn.name, Qualifier=arn.qualifier or "$LATEST")
        except client.exceptions.ResourceNotFoundException:
            return False
        return True

    return exists


def test_existence_is_read_from_the_emulator(aws: Aws, deploy: Any) -> None:
    suffix = uuid.uuid4().hex[:8]
    sqs, sns = aws.client("sqs"), aws.client("sns")
    queue_url = sqs.create_queue(QueueName=f"v-{suffix}")["QueueUrl"]
    queue = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    topic = sns.create_topic(Name=f"v-{suffix}")["TopicArn"]
    fn = deploy(SUCCEEDING).arn
    other = deploy(SUCCEEDING).arn
    function_exists = api_function_exists(aws)
    for arn in (queue, topic, other, other + ":$LATEST"):
        validation.validate_event_invoke_config(
            fn, on_failure(arn), function_exists=function_exists
        )
    for arn in (queue + "-gone", topic + "-gone", other + "-gone", other + ":7"):
        with pytest.raises(InvalidParameterValueException) as err:
            validation.validate_event_invoke_config(
                fn, on_failure(arn), function_exists=function_exists
            )
        assert err.value.message == f"The destination ARN {arn} is invalid."
    with pytest.raises(InvalidParameterValueException) as err:
        validation.validate_event_invoke_config(fn, on_success(fn), function_exists=function_exists)
    assert err.value.message == validation.SELF_DESTINATION


# -- dead-letter targets -----------------------------------------------------------------------


@pytest.mark.parametrize("arn", [QUEUE, TOPIC])
def test_dead_letter_sqs_and_sns_are_accepted(arn: str) -> None:
    validation.validate_dead_letter_arn(arn)


def test_dead_letter_empty_is_removal_on_update_only() -> None:
    validation.validate_dead_letter_arn("", allow_empty=True)
    validation.validate_dead_letter_arn(None, allow_empty=True)
    with pytest.raises(InvalidParameterValueException) as err:
        validation.validate_dead_letter_arn("")
    assert err.value.message == "Invalid dead letter queue ARN: ARNs must start with 'arn:':"


def test_dead_letter_not_an_arn() -> None:
    with pytest.raises(LambdaClientError) as err:
        validation.validate_dead_letter_arn("my-queue")
    assert err.value.error_type == "ValidationException"
    assert err.value.message.startswith(
        "1 validation error detected: Value 'my-queue' at 'deadLetterConfig.targetArn' failed to satisfy constraint"
    )


@pytest.mark.parametrize("arn", [OTHER_FN, BUCKET, BUS])
def test_dead_letter_of_another_service(arn: str) -> None:
    with pytest.raises(InvalidParameterValueException) as err:
        validation.validate_dead_letter_arn(arn)
    assert err.value.message == f"Invalid dead letter queue ARN: {arn}"


# -- ARNs that name no resource (docs/aws-behaviour.md, "Request validation and error shapes") --

NAMELESS = [
    "arn:aws:sqs:::",
    f"arn:aws:sqs:us-east-1:{ACCOUNT}:",
    "arn:aws:sns:::",
    f"arn:aws:sns:us-east-1:{ACCOUNT}:",
    f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:",
]


@pytest.mark.parametrize("arn", NAMELESS)
def test_destinations_that_name_nothing_are_invalid(arn: str) -> None:
    # everything_exists: the refusal must come from the ARN itself, not a look-up
    code, message = error_of(on_failure(arn))
    assert (code, message) == (
        "InvalidParameterValueException",
        f"The destination ARN {arn} is invalid.",
    )


@pytest.mark.parametrize("arn", NAMELESS[:4])
def test_dead_letter_targets_that_name_nothing_are_invalid(arn: str) -> None:
    with pytest.raises(InvalidParameterValueException) as err:
        validation.validate_dead_letter_arn(arn)
    assert err.value.message == f"Invalid dead letter queue ARN: {arn}"


def test_a_nameless_destination_is_refused_over_the_api(aws: Aws, deploy: Any) -> None:
    from botocore.exceptions import ClientError

    fn = deploy(SUCCEEDING)
    with pytest.raises(ClientError) as caught:
        aws.client("lambda").put_function_event_invoke_config(
            FunctionName=fn.name,
            DestinationConfig={"OnFailure": {"Destination": "arn:aws:sqs:::"}},
        )
    assert (
        caught.value.response["Error"]["Message"]
        == "The destination ARN arn:aws:sqs::: is invalid."
    )
