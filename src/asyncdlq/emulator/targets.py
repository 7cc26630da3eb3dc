"""Every service a failed or finished async event can be sent to, described once.

One entry per service (SQS, SNS, Lambda, EventBridge, S3): the IAM action Lambda delivers with,
whether the target exists, where AWS allows it (dead-letter queue, on-success, on-failure), and
how the dead letter and the invocation record are written to it. validation.py, permissions.py
and delivery.py read this table; nothing else knows per-service facts
(docs/aws-behaviour.md, Destinations and dead-letter targets).
"""

from __future__ import annotations

import enum
import json
import secrets
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Callable

from ..aws.arn import Arn, ArnError
from . import moto_glue


class Use(enum.Enum):
    DEAD_LETTER = "dead-letter"
    ON_SUCCESS = "on-success"
    ON_FAILURE = "on-failure"


# The Lambda backend's look-up of a function (name and qualifier from the ARN); given by the
# caller, so this module needs no Lambda backend.
FunctionExists = Callable[[Arn], bool]
# (account id, region, function name or ARN, payload) -> request id of the new async invocation
AsyncInvoker = Callable[[str, str, str, bytes], str]
# (target, original payload, request id, error message) -> message id
DeadLetterDelivery = Callable[[Arn, bytes, str, "str | None"], str]
# (destination, invocation record, success, async invoker) -> an id of what was written
RecordDelivery = Callable[[Arn, "Mapping[str, Any]", bool, AsyncInvoker], str]


@dataclass(frozen=True)
class Target:
    service: str  # the ARN's service field
    label: str  # how people name it, for messages and docs
    action: str  # the IAM action Lambda checks at configuration time and delivers with
    # Every action AWS documents as needed (S3 also lists s3:ListBucket); only ``action`` is
    # enforced, since when AWS checks the others is unconfirmed.
    documented_actions: tuple[str, ...]
    action_resource: Callable[[Arn], str]  # what ``action`` is evaluated on
    allowed: frozenset[Use]
    accepts: Callable[[Arn], bool]  # the resource is a kind AWS delivers records to
    names_resource: Callable[[Arn], bool]  # region, account and name present where they must be
    exists: Callable[[Arn, FunctionExists], bool]
    # AWS's refusal when the role may not write to it as a DLQ; None where no DLQ is allowed.
    dead_letter_denied: str | None
    send_dead_letter: DeadLetterDelivery | None  # None where no DLQ is allowed
    send_record: RecordDelivery


# AWS keeps the first 1 KB of errorMessage in the ErrorMessage attribute.
_ERROR_MESSAGE_LIMIT = 1024
S3_KEY_PREFIX = "aws/lambda/async"


def _sqs_attributes(request_id: str, error_message: str | None) -> dict[str, dict[str, str]]:
    attributes = {
        "RequestID": {"DataType": "String", "StringValue": request_id},
        "ErrorCode": {"DataType": "Number", "StringValue": "200"},
    }
    message = (error_message or "")[:_ERROR_MESSAGE_LIMIT]
    # SQS refuses empty String attributes; what AWS sends for an empty errorMessage is unconfirmed,
    # so the attribute is left out rather than invented.
    if message:
        attributes["ErrorMessage"] = {"DataType": "String", "StringValue": message}
    return attributes


def _sns_attributes(request_id: str, error_message: str | None) -> dict[str, dict[str, str]]:
    # SNS's own form of the same three attributes, as subscribers receive them.
    return {
        name: {"Type": value["DataType"], "Value": value["StringValue"]}
        for name, value in _sqs_attributes(request_id, error_message).items()
    }


def _record_text(record: Mapping[str, Any]) -> str:
    # Separators and escaping of the record as AWS writes it are unconfirmed; json.dumps defaults.
    return json.dumps(record)


# -- SQS ---------------------------------------------------------------------------------------


def _sqs_dead_letter(arn: Arn, payload: bytes, request_id: str, error: str | None) -> str:
    body = payload.decode("utf-8")
    return moto_glue.sqs_send(
        arn.account, arn.region, arn.name, body, _sqs_attributes(request_id, error)
    )


def trace_header(at: float | None = None) -> str:
    """An X-Ray trace header as Lambda's own SQS sends carry it in AWSTraceHeader:
    ``Root=1-<8 hex: epoch s>-<24 hex>;Parent=<16 hex>;Sampled=0`` (docs/aws-behaviour.md, Async
    records, logs and throttles). Sampled=0: the functions are PassThrough with no traced caller."""
    epoch = int(time.time() if at is None else at)
    return f"Root=1-{epoch:08x}-{secrets.token_hex(12)};Parent={secrets.token_hex(8)};Sampled=0"


def _sqs_record(arn: Arn, record: Mapping[str, Any], success: bool, _: AsyncInvoker) -> str:
    # Recorded on AWS for on-failure records; a dead letter's trace header is unconfirmed.
    return moto_glue.sqs_send(
        arn.account, arn.region, arn.name, _record_text(record), None, trace_header()
    )


# -- SNS ---------------------------------------------------------------------------------------


def _sns_dead_letter(arn: Arn, payload: bytes, request_id: str, error: str | None) -> str:
    body = payload.decode("utf-8")
    return moto_glue.sns_publish(
        arn.account, arn.region, str(arn), body, _sns_attributes(request_id, error)
    )


def _sns_record(arn: Arn, record: Mapping[str, Any], success: bool, _: AsyncInvoker) -> str:
    return moto_glue.sns_publish(arn.account, arn.region, str(arn), _record_text(record), None)


# -- Lambda ------------------------------------------------------------------------------------


def _lambda_record(
    arn: Arn, record: Mapping[str, Any], success: bool, invoke_async: AsyncInvoker
) -> str:
    return invoke_async(arn.account, arn.region, str(arn), _record_text(record).encode())


# -- EventBridge -------------------------------------------------------------------------------


def _events_record(arn: Arn, record: Mapping[str, Any], success: bool, _: AsyncInvoker) -> str:
    outcome = "Success" if success else "Failure"
    # The event's resources name the function and the bus; its source is "lambda", as AWS's CDK
    # guide gives it (the Lambda guide says "aws.lambda": docs/aws-behaviour.md, Destinations and
    # dead-letter targets).
    function_arn = str(record.get("requestContext", {}).get("functionArn", ""))
    moto_glue.events_put(
        arn.account,
        arn.region,
        str(arn),
        "lambda",
        f"Lambda Function Invocation Result - {outcome}",
        _record_text(record),
        [function_arn, str(arn)] if function_arn else [str(arn)],
    )
    return ""


# -- S3 ----------------------------------------------------------------------------------------


def s3_record_key(record: Mapping[str, Any]) -> str:
    """aws/lambda/async/<function-name>/YYYY/MM/DD/YYYY-MM-DDTHH.MM.SS-<random UUID>, dated by
    the record's own timestamp (which moment AWS uses is unconfirmed)."""
    function = Arn.parse(record["requestContext"]["functionArn"]).name
    at = datetime.strptime(record["timestamp"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(
        tzinfo=timezone.utc
    )
    stamp = at.strftime("%Y/%m/%d/%Y-%m-%dT%H.%M.%S")
    return f"{S3_KEY_PREFIX}/{function}/{stamp}-{uuid.uuid4()}"


def _s3_record(arn: Arn, record: Mapping[str, Any], success: bool, _: AsyncInvoker) -> str:
    key = s3_record_key(record)
    moto_glue.s3_put_object(arn.name, key, _record_text(record).encode("utf-8"))
    return key


# -- what each accepts -------------------------------------------------------------------------


def _standard(arn: Arn) -> bool:
    return not arn.name.endswith(".fifo")  # standard queues and topics only


def _any(arn: Arn) -> bool:
    return True


def _located_and_named(arn: Arn) -> bool:
    # ``arn:aws:sqs:::`` or a topic ARN ending in ``:`` name nothing (docs/aws-behaviour.md,
    # "Request validation and error shapes per protocol").
    return bool(arn.region and arn.account and arn.name)


def _not_checked(arn: Arn, function_exists: FunctionExists) -> bool:
    # Whether AWS checks that a bus or bucket exists at configuration time is unconfirmed;
    # a missing one fails at delivery and is counted.
    return True


_DESTINATIONS = frozenset({Use.ON_SUCCESS, Use.ON_FAILURE})
_DLQ_AND_DESTINATIONS = _DESTINATIONS | {Use.DEAD_LETTER}

TARGETS: dict[str, Target] = {
    t.service: t
    for t in (
        Target(
            service="sqs",
            label="SQS queue",
            action="sqs:SendMessage",
            documented_actions=("sqs:SendMessage",),
            action_resource=str,
            allowed=_DLQ_AND_DESTINATIONS,
            accepts=_standard,
            names_resource=_located_and_named,
            exists=lambda arn, _: moto_glue.sqs_queue_exists(arn.account, arn.region, arn.name),
            dead_letter_denied=(
                "The provided execution role does not have permissions to call SendMessage on SQS"
            ),
            send_dead_letter=_sqs_dead_letter,
            send_record=_sqs_record,
        ),
        Target(
            service="sns",
            label="SNS topic",
            action="sns:Publish",
            documented_actions=("sns:Publish",),
            action_resource=str,
            allowed=_DLQ_AND_DESTINATIONS,
            accepts=_standard,
            names_resource=_located_and_named,
            exists=lambda arn, _: moto_glue.sns_topic_exists(arn.account, arn.region, str(arn)),
            dead_letter_denied=(
                "The provided execution role does not have permissions to call Publish on SNS"
            ),
            send_dead_letter=_sns_dead_letter,
            send_record=_sns_record,
        ),
        Target(
            service="lambda",
            label="Lambda function",
            action="lambda:InvokeFunction",
            documented_actions=("lambda:InvokeFunction",),
            action_resource=str,
            allowed=_DESTINATIONS,
            accepts=lambda arn: arn.resource_type == "function",
            names_resource=_located_and_named,
            exists=lambda arn, function_exists: function_exists(arn),
            dead_letter_denied=None,
            send_dead_letter=None,
            send_record=_lambda_record,
        ),
        Target(
            service="events",
            label="EventBridge event bus",
            action="events:PutEvents",
            documented_actions=("events:PutEvents",),
            action_resource=str,
            allowed=_DESTINATIONS,
            accepts=lambda arn: arn.resource_type == "event-bus",
            names_resource=_any,
            exists=_not_checked,
            dead_letter_denied=None,
            send_dead_letter=None,
            send_record=_events_record,
        ),
        Target(
            service="s3",
            label="S3 bucket",
            action="s3:PutObject",
            documented_actions=("s3:PutObject", "s3:ListBucket"),
            action_resource=lambda arn: f"{arn}/*",  # PutObject is granted on the objects
            allowed=frozenset({Use.ON_FAILURE}),
            accepts=_any,
            names_resource=_any,
            exists=_not_checked,
            dead_letter_denied=None,
            send_dead_letter=None,
            send_record=_s3_record,
        ),
    )
}


def parse(text: str) -> Arn | None:
    """The ARN, or None if the text is not one."""
    try:
        return Arn.parse(text)
    except ArnError:
        return None


def target_of(arn: Arn | None) -> Target | None:
    return TARGETS.get(arn.service) if arn is not None else None


def allows(arn: Arn, use: Use) -> bool:
    """Whether AWS takes this ARN for ``use``: its service, and for destinations its kind."""
    target = target_of(arn)
    if target is None or use not in target.allowed:
        return False
    return use is Use.DEAD_LETTER or target.accepts(arn)


def existence(function_exists: FunctionExists | None = None) -> Callable[[str], bool]:
    """Whether a target exists in the emulator. Without ``function_exists`` Lambda functions
    are taken to exist (for callers that cannot look them up)."""

    def exists(text: str) -> bool:
        arn = parse(text)
        target = target_of(arn)
        if arn is None or target is None:
            return False
        return target.exists(arn, function_exists or _any)

    return exists
