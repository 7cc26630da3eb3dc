"""Dead-letter delivery, as Lambda does it with the function's execution role (facts §3)."""

from __future__ import annotations

from dataclasses import dataclass

from . import moto_glue

# AWS keeps the first 1 KB of errorMessage in the ErrorMessage attribute.
_ERROR_MESSAGE_LIMIT = 1024


class DeliveryError(RuntimeError):
    """The target could not take the message; AWS drops the event and counts it."""


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
    body = payload.decode("utf-8")
    try:
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
