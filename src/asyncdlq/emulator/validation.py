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
  patterns, S3 as an OnFailure-only destination.
- [CC] cloud-custodian/cloud-custodian issue #1990: CreateFunction with an empty DLQ TargetArn.

Order, as AWS applies it: shape validation (ranges, patterns; all errors in one message), then
"nothing set" (AWS answers it even for a function that does not exist [LS]), then the
destinations themselves. The execution-role checks are permissions.check_destination.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Callable

from . import moto_glue
from .moto_glue import InvalidParameterValueException, LambdaClientError

NOTHING_SET = "You must specify at least one of error handling or destination setting."  # [LS]
SELF_DESTINATION = "You can't specify the function as a destination for itself."  # [LS]
DESTINATION_INVALID = "The destination ARN {arn} is invalid."  # [LS] lambda, [TF] sqs/sns
# [LS] for an IAM ARN. Unconfirmed for S3 on success, FIFO queues/topics (documented as
# unsupported), and non-function Lambda ARNs: the same text is used for them.
CONFIG_INVALID = (
    "The provided destination config DestinationConfig(onSuccess={s}, onFailure={f}) is invalid."
)
# [CC]; how AWS renders the value after the colon is unconfirmed for non-empty values.
DLQ_NOT_AN_ARN = "Invalid dead letter queue ARN: ARNs must start with 'arn:': {arn}"
# Unconfirmed: no recorded text for an ARN of another service; the [CC] form is kept.
DLQ_UNSUPPORTED = "Invalid dead letter queue ARN: {arn}"

# [BC] DestinationArn. [LS] recorded the same message with the 2023 form of the pattern.
DESTINATION_PATTERN = (
    r"$|kafka://([^.]([a-zA-Z0-9\-_.]{0,248}))|arn:(aws[a-zA-Z0-9-]*):([a-zA-Z0-9\-])+:"
    r"([a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1})?:(\d{12})?:(.*)"
)
RESOURCE_ARN_PATTERN = r"(arn:(aws[a-zA-Z-]*)?:[a-z0-9-.]+:.*)|()"  # [BC] DeadLetterConfig
_RANGES = (  # [BC], facts §2
    ("MaximumRetryAttempts", "maximumRetryAttempts", 0, 2),
    ("MaximumEventAgeInSeconds", "maximumEventAgeInSeconds", 60, 21600),
)
_SUPPORTED = {"sqs", "sns", "lambda", "events"}

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


def _arn_parts(arn: str) -> list[str]:
    parts = arn.split(":", 5)
    return parts if len(parts) == 6 and parts[0] == "arn" else []


def _names_a_resource(parts: list[str]) -> bool:
    """An SQS/SNS/Lambda ARN names a region, an account and a resource; ``arn:aws:sqs:::`` or a
    topic ARN ending in ``:`` name nothing (docs/aws-behaviour.md, "Request validation and error
    shapes per protocol")."""
    if parts[2] not in ("sqs", "sns", "lambda"):
        return True
    resource = parts[5].removeprefix("function:") if parts[2] == "lambda" else parts[5]
    return all(parts[3:5]) and bool(resource.split(":")[0])


def default_target_exists(arn: str) -> bool:
    """Whether an SQS queue, SNS topic or Lambda function (name[:qualifier]) exists in the
    emulator. Other services are not checked (EventBridge bus existence is unconfirmed)."""
    parts = _arn_parts(arn)
    if not parts:
        return False
    _, _, service, region, account, resource = parts
    if service == "sqs":
        return moto_glue.sqs_queue_exists(account, region, resource)
    if service == "sns":
        return moto_glue.sns_topic_exists(account, region, arn)
    if service == "lambda" and resource.startswith("function:"):
        from .lambda_backend import emulated_lambda_backends

        name, _, qualifier = resource[len("function:") :].partition(":")
        backend = emulated_lambda_backends[account][region]
        return moto_glue.lambda_function_exists(backend, name, qualifier or None)
    return True


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


def _supported(arn: str, on_failure: bool) -> bool:
    parts = _arn_parts(arn)
    if not parts:
        return False
    service, resource = parts[2], parts[5]
    if service in ("sqs", "sns") and resource.endswith(".fifo"):
        return False  # facts §4: standard queues/topics only
    if service == "lambda":
        return resource.startswith("function:")
    if service == "events":
        return resource.startswith("event-bus/")
    return service in _SUPPORTED or (service == "s3" and on_failure)


def _is_self(function_arn: str, destination_arn: str) -> bool:
    # Same account, region and function name, whatever the qualifier on either side (the
    # qualified cases are unconfirmed: [LS] recorded the unqualified ARN only).
    fn, dest = _arn_parts(function_arn), _arn_parts(destination_arn)
    if not fn or not dest or dest[2] != "lambda":
        return False
    return fn[3:5] == dest[3:5] and fn[5].split(":")[1] == dest[5].split(":")[1]


def validate_destination_arn(
    function_arn: str,
    destination_arn: str,
    *,
    on_failure: bool,
    target_exists: TargetExists = default_target_exists,
) -> bool:
    """False if the service/kind is not a supported destination (the caller reports all such
    destinations in one CONFIG_INVALID message); raises for a missing target or the function."""
    if not _supported(destination_arn, on_failure):
        return False
    parts = _arn_parts(destination_arn)
    if not _names_a_resource(parts):
        raise InvalidParameterValueException(DESTINATION_INVALID.format(arn=destination_arn))
    if parts[2] in ("sqs", "sns", "lambda") and not target_exists(destination_arn):
        raise InvalidParameterValueException(DESTINATION_INVALID.format(arn=destination_arn))
    if _is_self(function_arn, destination_arn):
        raise InvalidParameterValueException(SELF_DESTINATION)
    return True


def validate_event_invoke_config(
    function_arn: str,
    config: Mapping[str, Any],
    *,
    target_exists: TargetExists = default_target_exists,
) -> None:
    """Put/UpdateFunctionEventInvokeConfig input (for Update: the request, not the merge)."""
    errors = _shape_errors(config)
    if errors:
        raise ValidationErrors(errors)
    if all(
        config.get(k) is None
        for k in ("MaximumRetryAttempts", "MaximumEventAgeInSeconds", "DestinationConfig")
    ):
        # [LS]: DestinationConfig={"OnSuccess": {}} is accepted, so its presence counts.
        raise InvalidParameterValueException(NOTHING_SET)
    destinations = config.get("DestinationConfig") or {}
    success = (destinations.get("OnSuccess") or {}).get("Destination") or None
    failure = (destinations.get("OnFailure") or {}).get("Destination") or None
    valid = True
    for arn, on_failure in ((failure, True), (success, False)):  # [LS] checks OnFailure first
        if arn and not validate_destination_arn(
            function_arn, arn, on_failure=on_failure, target_exists=target_exists
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
    parts = _arn_parts(arn)
    if parts[2:3] not in (["sqs"], ["sns"]) or not _names_a_resource(parts):
        raise InvalidParameterValueException(DLQ_UNSUPPORTED.format(arn=arn))
