"""Invoke a function asynchronously and remember what was sent, when, and under which request id.

The request id is the thread through everything that follows (docs/aws-behaviour.md, The invoke
call): every attempt logs it, the dead letter carries it as RequestID, a destination record as
requestContext.requestId. A correlation id is a string of the caller's inside the payload, for
matching a message when the request id is not at hand (an event that another service sent, a record
whose id was lost).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any, Union

from botocore.exceptions import ClientError

Payload = Union[bytes, str, dict]


class InvokeError(RuntimeError):
    """An Event invoke that was not accepted with 202; ``code`` is AWS's error code, if any."""

    def __init__(self, text: str, *, status_code: int, code: str = "") -> None:
        super().__init__(text)
        self.status_code, self.code = status_code, code


@dataclass(frozen=True)
class Invocation:
    function_name: str
    request_id: str
    status_code: int
    invoked_at: float  # epoch seconds, this machine's clock, taken just before the call
    payload: bytes = field(repr=False)
    correlation_id: str | None = None


def encode_payload(payload: Payload) -> bytes:
    """The bytes to send: bytes as given, str as UTF-8, a dict as JSON."""
    if isinstance(payload, bytes):
        return payload
    if isinstance(payload, str):
        return payload.encode("utf-8")
    return json.dumps(payload).encode("utf-8")


def request_id_of(response: dict[str, Any]) -> str:
    """The invocation's request id: the x-amzn-RequestId header of the Invoke response."""
    meta = response.get("ResponseMetadata", {})
    headers = {k.lower(): v for k, v in meta.get("HTTPHeaders", {}).items()}
    return str(headers.get("x-amzn-requestid") or meta.get("RequestId", ""))


def invoke_async(
    lambda_client: Any,
    function_name: str,
    payload: Payload,
    *,
    correlation_id: str | None = None,
) -> Invocation:
    """Invoke with InvocationType=Event; raise InvokeError unless Lambda answered 202.

    ``correlation_id`` must occur in the payload as sent: a message is later matched by
    searching for it in the original event, so an id that isn't there could never match.
    """
    data = encode_payload(payload)
    if correlation_id is not None and correlation_id.encode("utf-8") not in data:
        raise ValueError(
            f"correlation id {correlation_id!r} does not occur in the payload for "
            f"{function_name}; put it in the event (e.g. a field) so messages can be matched"
        )
    invoked_at = time.time()
    try:
        response = lambda_client.invoke(
            FunctionName=function_name, InvocationType="Event", Payload=data
        )
    except ClientError as exc:
        # 404 unknown function, 413 too large, ... (docs/aws-behaviour.md, The invoke call)
        error = exc.response.get("Error", {})
        status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0))
        raise InvokeError(
            f"async invoke of {function_name} returned {status} {error.get('Code')}: "
            f"{error.get('Message')}",
            status_code=status,
            code=str(error.get("Code", "")),
        ) from exc
    status = int(response.get("StatusCode", 0))
    request_id = request_id_of(response)
    if status != 202 or not request_id:
        stream = response.get("Payload")
        body = stream.read() if stream is not None else b""
        raise InvokeError(
            f"async invoke of {function_name} returned {status} (expected 202 with a request "
            f"id; got request id {request_id or 'none'}): {body[:500]!r}",
            status_code=status,
        )
    return Invocation(function_name, request_id, status, invoked_at, data, correlation_id)
