"""Configuration-time validation of event invoke configs and dead-letter targets, with AWS's codes
and texts.

Sources (recorded from AWS unless marked):
- [LS] localstack/localstack tests/aws/services/lambda_/test_lambda_api.snapshot.json,
  TestLambdaEventInvokeConfig::test_lambda_eventinvokeconfig_exceptions (AWS-validated snapshot,
  recorded 20-11-2023): the texts for "nothing set", self destination, nonexistent function
  destination, unsupported service, and the ARN pattern error.
- [TF] hashicorp/terraform-provider-aws internal/service/lambda/function_event_invoke_config.go:
  retries "The destination ARN arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE is invalid." as an
  eventual-consistency error after creating the target, i.e. AWS checks that SQS/SNS targets
  exist too, with the same text.
- [BC] botocore's Lambda model (pinned botocore): ranges, the DestinationArn and ResourceArn
  patterns.
- [CC] cloud-custodian/cloud-custodian issue #1990: CreateFunction with an empty DLQ TargetArn.

Order, as AWS applies it: shape validation (ranges, patterns; all errors in one message), then
"nothing set" (AWS answers it even for a function that does not exist [LS]), then the
destinations themselves. Which service is allowed where, and which targets are looked up, is
targets.py (docs/aws-behaviour.md, Destinations and dead-letter targets). The execution-role
checks are permissions.check_destination.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Callable

from ..aws.arn import Arn
from ..aws.timing import EVENT_AGE_RANGE_S, RETRY_ATTEMPTS_RANGE
from . import targets
from .moto_glue import InvalidParameterValueException, LambdaClientError
from .targets import FunctionExists, Use

NOTHING_SET = "You must specify at least one of error handling or destination setting."  # [LS]
SELF_DESTINATION = "You can't specify the function as a destination for itself."  # [LS]
DESTINATION_INVALID = "The destination ARN {arn} is invalid."  # [LS] lambda, [TF] sqs/sns
# [LS] for an IAM ARN. Unconfirmed for S3 on success (refused: docs/aws-behaviour.md,
# Destinations and dead-letter targets), FIFO queues/topics (documented as unsupported), and
# non-function Lambda ARNs: the same text is used for them.
CONFIG_INVALID = (
    "The provided destination config DestinationConfig(onSuccess={s}, onFailure={f}) is invalid."
)
# [CC]; how AWS renders the value after the colon is unconfirmed for non-empty values.
DLQ_NOT_AN_ARN = "Invalid dead letter queue ARN: ARNs must start with 'arn:': {arn}"
# Unconfirmed: no recorded text for an ARN of another service; the [CC] form is kept.
DLQ_UNSUPPORTED = "Invalid dead letter queue ARN: {arn}"

# [LS] (recorded 25-11-2025): botocore's DestinationArn pattern with AWS's newer "(eusc-)?"
# region prefix, the pattern AWS matches and quotes (docs/aws-behaviour.md, Event invoke config,
# regions and names).
DESTINATION_PATTERN = (
    r"$|kafka://([^.]([a-zA-Z0-9\-_.]{0,248}))|arn:(aws[a-zA-Z0-9-]*):([a-zA-Z0-9\-])+:"
    r"((eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1})?:(\d{12})?:(.*)"
)
RESOURCE_ARN_PATTERN = r"(arn:(aws[a-zA-Z-]*)?:[a-z0-9-.]+:.*)|()"  # [BC] DeadLetterConfig
_RANGES = (  # [BC], docs/aws-behaviour.md, Retry timing and event age
    ("MaximumRetryAttempts", "maximumRetryAttempts", *RETRY_ATTEMPTS_RANGE),
    ("MaximumEventAgeInSeconds", "maximumEventAgeInSeconds", *EVENT_AGE_RANGE_S),
)
TargetExists = Callable[[str], bool]


def validation_message(errors: list[tuple[Any, str, str]]) -> str:
    """AWS's "<n> validation error(s) detected: ...; ..." text; a value of None reads "null"."""
    count = f"{len(errors)} validation error{'s' if len(errors) > 1 else ''} detected: "
    shown = ["null" if value is None else f"'{value}'" for value, _, _ in errors]
    return count + "; ".join(
        f"Value {value} at '{field}' failed to satisfy constraint: {constraint}"
        for value, (_, field, constraint) in zip(shown, errors)
    )


class ValidationErrors(LambdaClientError):
    """ValidationException with AWS's "<n> validation error(s) detected: ...; ..." text."""

    def __init__(self, errors: list[tuple[Any, str, str]]) -> None:
        super().__init__("ValidationException", validation_message(errors))


def _shape_errors(config: Mapping[str, Any]) -> list[tuple[Any, str, str]]:
    errors: list[tuple[Any, str, str]] = []
    for key, field, low, high in _RANGES:
        value = config.get(key)
        if value is None:
            continue
        if value < low:
            errors.append((value, field, f"Member must have value greater than or equal to {low}"))
        elif value > high:
            errors.append((value, field, f"Member must have value less than or equal to {high}"))
    destinations = config.get("DestinationConfig") or {}
    for key, field in (("OnSuccess", "onSuccess"), ("OnFailure", "onFailure")):
        arn = (destinations.get(key) or {}).get("Destination")
        if arn is not None and not re.fullmatch(DESTINATION_PATTERN, arn):
            errors.append(
                (
                    arn,
                    f"destinationConfig.{field}.destination",
                    f"Member must satisfy regular expression pattern: {DESTINATION_PATTERN}",
                )
            )
    return errors


def _is_self(function_arn: str, destination: Arn) -> bool:
    # Same account, region and function name, whatever the qualifier on either side (the
    # qualified cases are unconfirmed: [LS] recorded the unqualified ARN only).
    fn = targets.parse(function_arn)
    if fn is None or destination.service != "lambda":
        return False
    return (fn.region, fn.account, fn.name) == (
        destination.region,
        destination.account,
        destination.name,
    )


def _exists_check(
    function_exists: FunctionExists | None, target_exists: TargetExists | None
) -> TargetExists:
    return target_exists or targets.existence(function_exists)


def validate_destination_arn(
    function_arn: str,
    destination_arn: str,
    *,
    on_failure: bool,
    function_exists: FunctionExists | None = None,
    target_exists: TargetExists | None = None,
) -> bool:
    """False if the service/kind is not a supported destination (the caller reports all such
    destinations in one CONFIG_INVALID message); raises for a missing target or the function.

    ``function_exists`` is the Lambda backend's look-up (without it Lambda destinations are not
    looked up); ``target_exists`` replaces every look-up (tests)."""
    arn = targets.parse(destination_arn)
    if arn is None or not targets.allows(arn, Use.ON_FAILURE if on_failure else Use.ON_SUCCESS):
        return False
    target = targets.target_of(arn)
    if target is None or not target.names_resource(arn):
        raise InvalidParameterValueException(DESTINATION_INVALID.format(arn=destination_arn))
    if not _exists_check(function_exists, target_exists)(destination_arn):
        raise InvalidParameterValueException(DESTINATION_INVALID.format(arn=destination_arn))
    if _is_self(function_arn, arn):
        raise InvalidParameterValueException(SELF_DESTINATION)
    return True


def validate_event_invoke_config_shape(config: Mapping[str, Any]) -> None:
    """What AWS checks before it looks the function up: ranges, patterns, "nothing set"."""
    errors = _shape_errors(config)
    if errors:
        raise ValidationErrors(errors)
    if all(
        config.get(k) is None
        for k in ("MaximumRetryAttempts", "MaximumEventAgeInSeconds", "DestinationConfig")
    ):
        # [LS]: DestinationConfig={"OnSuccess": {}} is accepted, so its presence counts.
        raise InvalidParameterValueException(NOTHING_SET)


def validate_event_invoke_config(
    function_arn: str,
    config: Mapping[str, Any],
    *,
    function_exists: FunctionExists | None = None,
    target_exists: TargetExists | None = None,
) -> None:
    """Put/UpdateFunctionEventInvokeConfig input (for Update: the request, not the merge).

    ``function_exists``: the Lambda backend's look-up of a destination function (name and
    qualifier of the ARN). ``target_exists`` replaces every look-up (tests)."""
    validate_event_invoke_config_shape(config)
    destinations = config.get("DestinationConfig") or {}
    success = (destinations.get("OnSuccess") or {}).get("Destination") or None
    failure = (destinations.get("OnFailure") or {}).get("Destination") or None
    exists = _exists_check(function_exists, target_exists)
    valid = True
    for arn, on_failure in ((failure, True), (success, False)):  # [LS] checks OnFailure first
        if arn and not validate_destination_arn(
            function_arn, arn, on_failure=on_failure, target_exists=exists
        ):
            valid = False
    if not valid:
        raise InvalidParameterValueException(
            CONFIG_INVALID.format(
                s=f"OnSuccess(destination={success})" if success else "null",
                f=f"OnFailure(destination={failure})" if failure else "null",
            )
        )


def validate_dead_letter_arn(target_arn: str | None, *, allow_empty: bool = False) -> None:
    """DeadLetterConfig.TargetArn at CreateFunction (allow_empty=False) or
    UpdateFunctionConfiguration (allow_empty=True: an empty TargetArn removes the DLQ)."""
    arn = target_arn or ""
    if not re.fullmatch(RESOURCE_ARN_PATTERN, arn):
        raise ValidationErrors(
            [
                (
                    arn,
                    "deadLetterConfig.targetArn",
                    f"Member must satisfy regular expression pattern: {RESOURCE_ARN_PATTERN}",
                )
            ]
        )
    if not arn:
        if allow_empty:
            return
        raise InvalidParameterValueException(DLQ_NOT_AN_ARN.format(arn=arn).rstrip())
    parsed = targets.parse(arn)
    target = targets.target_of(parsed)
    if (
        parsed is None
        or target is None
        or not targets.allows(parsed, Use.DEAD_LETTER)
        or not target.names_resource(parsed)
    ):
        raise InvalidParameterValueException(DLQ_UNSUPPORTED.format(arn=arn))


# -- function names in a request (request_validation, after the model's own checks) -------------
# [LS] tests/aws/services/lambda_/test_lambda_api.snapshot.json (recorded 25-11-2025):
# TestLambdaFunction::test_get_function_wrong_region, test_function_name_and_qualifier_validation.
WRONG_REGION = "Functions from '{arn_region}' are not reachable in this region ('{region}')"
QUALIFIER_MISMATCH = (
    "The derived qualifier from the function name does not match the specified qualifier."
)
MAX_FUNCTION_NAME = 64  # CreateFunction's name, whatever the form of FunctionName


def split_function_name(function_name: str) -> tuple[str, str | None]:
    """The name and the qualifier in a FunctionName parameter: a name, ``name:qualifier``, a
    partial ARN (``[account:]function:name[:qualifier]``) or a full ARN."""
    resource = function_name.split(":function:")[-1] if ":" in function_name else function_name
    if resource.startswith("function:"):
        resource = resource[len("function:") :]
    name, _, qualifier = resource.partition(":")
    return name, qualifier or None


def function_name_problem(
    operation: str, values: Mapping[str, Any], region: str | None
) -> tuple[str, str, int] | None:
    """(code, message, status) of what AWS answers about a well-formed FunctionName, or None.

    The region of a full ARN must be the endpoint's; a qualifier in the name must agree with
    the Qualifier parameter; CreateFunction's name is at most 64 characters."""
    function_name = values.get("FunctionName")
    if not isinstance(function_name, str):
        return None
    parts = function_name.split(":")
    if function_name.startswith("arn:") and len(parts) > 3 and region and parts[3] != region:
        return (
            "ResourceNotFoundException",
            WRONG_REGION.format(arn_region=parts[3], region=region),
            404,
        )
    name, derived = split_function_name(function_name)
    qualifier = values.get("Qualifier")
    if derived is not None and qualifier is not None and derived != qualifier:
        return ("InvalidParameterValueException", QUALIFIER_MISMATCH, 400)
    if operation == "CreateFunction" and len(name) > MAX_FUNCTION_NAME:
        constraint = f"Member must have length less than or equal to {MAX_FUNCTION_NAME}"
        message = validation_message([(function_name, "functionName", constraint)])
        return ("InvalidParameterValueException", message, 400)
    return None
