"""Where a failed or finished async event goes: its dead-letter queue and its destinations.

Lambda delivers with the function's execution role. A delivery that fails at run time drops the
event; the engine counts it (DeadLetterErrors / DestinationDeliveryFailures). How each service
is written to is in targets.py (docs/aws-behaviour.md, Destinations and dead-letter targets).
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

from . import targets
from .targets import AsyncInvoker, Use

__all__ = [
    "AsyncInvoker",
    "DeliveryError",
    "invocation_record",
    "send_to_dead_letter",
    "send_to_destination",
]


class DeliveryError(RuntimeError):
    """The target could not take the message; AWS drops the event and counts it."""


def send_to_dead_letter(
    target_arn: str, payload: bytes, request_id: str, error_message: str | None
) -> str:
    """Deliver the original payload, byte for byte, with the three Lambda attributes."""
    arn = targets.parse(target_arn)
    target = targets.target_of(arn)
    if arn is None or target is None or target.send_dead_letter is None:
        raise DeliveryError(f"{target_arn} is neither an SQS queue nor an SNS topic")
    try:
        return target.send_dead_letter(arn, payload, request_id, error_message)
    except Exception as exc:  # moto raises its own error per service; all mean "not delivered"
        raise DeliveryError(f"delivery to {target_arn} failed: {exc}") from exc


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
    """The destination record, keys in AWS's order; ``at`` is its time (epoch s)."""
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
        # An empty payload is recorded as {} (docs/aws-behaviour.md, Async records, logs and
        # throttles), as the handler receives it.
        "requestPayload": _parsed(payload) if payload else {},
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
    """Deliver a record to its on-success or on-failure destination; returns an id of it (the
    message id, the new request id, the S3 object key; "" for EventBridge)."""
    arn = targets.parse(destination_arn)
    target = targets.target_of(arn)
    use = Use.ON_SUCCESS if success else Use.ON_FAILURE
    if arn is None or target is None or not targets.allows(arn, use):
        raise DeliveryError(f"{destination_arn} is not a supported {use.value} destination")
    try:
        return target.send_record(arn, record, success, invoke_async)
    except Exception as exc:
        raise DeliveryError(f"delivery to {destination_arn} failed: {exc}") from exc
