"""Where a failed or finished async event goes: dead-letter queues (facts §3) and destinations (§4).

Lambda delivers with the function's execution role. A delivery that fails at run time drops the
event; the engine counts it (DeadLetterErrors / DestinationDeliveryFailures).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Callable

from . import moto_glue

# AWS keeps the first 1 KB of errorMessage in the ErrorMessage attribute.
_ERROR_MESSAGE_LIMIT = 1024

# (account_id, region, function name or ARN, payload) -> request id of the new async invocation
AsyncInvoker = Callable[[str, str, str, bytes], str]


class DeliveryError(RuntimeError):
    """The target could not take the message; AWS drops the event and counts it."""


class S3DestinationUnsupported(DeliveryError):
    """S3 on-failure destinations pass validation but are not delivered by the emulator yet."""


@dataclass(frozen=True)
class Arn:
    partition: str
    service: str
    region: str
    account_id: str
    resource: str

    @classmethod
    def parse(cls, arn: str) -> Arn:
        parts = arn.split(":", 5)
        if len(parts) != 6 or parts[0] != "arn":
            raise DeliveryError(f"{arn!r} is not an ARN")
        return cls(*parts[1:])  # type: ignore[arg-type]


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


def send_to_dead_letter(
    target_arn: str, payload: bytes, request_id: str, error_message: str | None
) -> str:
    """Deliver the original payload, byte for byte, with the three Lambda attributes."""
    arn = Arn.parse(target_arn)
    try:
        body = payload.decode("utf-8")
        if arn.service == "sqs":
            return moto_glue.sqs_send(
                arn.account_id,
                arn.region,
                arn.resource,
                body,
                _sqs_attributes(request_id, error_message),
            )
        if arn.service == "sns":
            return moto_glue.sns_publish(
                arn.account_id,
                arn.region,
                target_arn,
                body,
                _sns_attributes(request_id, error_message),
            )
    except Exception as exc:  # moto raises its own error per service; all mean "not delivered"
        raise DeliveryError(f"delivery to {target_arn} failed: {exc}") from exc
    raise DeliveryError(f"{target_arn} is neither an SQS queue nor an SNS topic")


def invocation_record(
    *,
    request_id: str,
    function_arn: str,
    condition: str,
    attempts: int,
    payload: bytes,
    response: bytes | None,
    function_error: str | None,
    executed_version: str = "$LATEST",
    at: float | None = None,
) -> dict[str, Any]:
    """The destination record, keys in AWS's order (facts §4); ``at`` is its time (epoch s)."""
    now = datetime.now(timezone.utc) if at is None else datetime.fromtimestamp(at, timezone.utc)
    record: dict[str, Any] = {
        "version": "1.0",
        "timestamp": now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z",
        "requestContext": {
            "requestId": request_id,
            "functionArn": function_arn,
            "condition": condition,
            "approximateInvokeCount": attempts,
        },
        "requestPayload": _parsed(payload),
    }
    if response is not None:  # ZeroReservedConcurrency records have neither of these
        context: dict[str, Any] = {"statusCode": 200, "executedVersion": executed_version}
        if function_error:
            context["functionError"] = function_error
        record["responseContext"] = context
        record["responsePayload"] = _parsed(response)
    return record


def _parsed(raw: bytes) -> Any:
    try:
        return json.loads(raw) if raw else None
    except ValueError:
        return raw.decode("utf-8", "replace")


def send_to_destination(
    destination_arn: str, record: dict[str, Any], success: bool, invoke_async: AsyncInvoker
) -> str:
    """Deliver a record to an SQS, SNS, Lambda or EventBridge destination; returns an id."""
    arn = Arn.parse(destination_arn)
    if arn.service == "s3":
        # Accepted by validation (S3 on-failure destinations exist since Nov 2024); delivering
        # them is left for later, so the record is dropped and counted like a failed delivery.
        raise S3DestinationUnsupported(
            f"S3 destination {destination_arn} is not supported by the emulator yet"
        )
    # Separators and escaping of the record as AWS writes it are unconfirmed; json.dumps defaults.
    text = json.dumps(record)
    try:
        if arn.service == "sqs":
            return moto_glue.sqs_send(arn.account_id, arn.region, arn.resource, text, None)
        if arn.service == "sns":
            return moto_glue.sns_publish(arn.account_id, arn.region, destination_arn, text, None)
        if arn.service == "lambda":
            return invoke_async(arn.account_id, arn.region, destination_arn, text.encode())
        if arn.service == "events":
            outcome = "Success" if success else "Failure"
            moto_glue.events_put(
                arn.account_id,
                arn.region,
                destination_arn,
                "lambda",
                f"Lambda Function Invocation Result - {outcome}",
                text,
            )
            return ""
    except Exception as exc:
        raise DeliveryError(f"delivery to {destination_arn} failed: {exc}") from exc
    raise DeliveryError(f"{destination_arn} is not an SQS, SNS, Lambda or EventBridge target")
