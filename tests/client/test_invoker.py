"""invoke_async against the in-process emulator (docs/aws-behaviour.md, The invoke call)."""

from __future__ import annotations

import io
import time
from typing import Any

import pytest
from botocore.response import StreamingBody

from asyncdlq.client.invoker import InvokeError, encode_payload, invoke_async
from tests.emulator.conftest import SUCCEEDING


def test_an_event_invoke_is_recorded_with_its_request_id(aws, deploy) -> None:
    fn = deploy(SUCCEEDING, retries=0)
    before = time.time()
    invocation = invoke_async(
        aws.client("lambda"), fn.name, {"key1": "c-123"}, correlation_id="c-123"
    )
    assert (invocation.function_name, invocation.status_code) == (fn.name, 202)
    assert len(invocation.request_id) == 36
    assert before <= invocation.invoked_at <= time.time()
    assert invocation.payload == b'{"key1": "c-123"}'
    assert invocation.correlation_id == "c-123"


class _FakeLambda:
    """Answers like Lambda, with different ids in the header and in the response metadata."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    def invoke(self, **kwargs: Any) -> dict[str, Any]:
        self.calls.append(kwargs)
        return {
            "StatusCode": 202,
            "Payload": StreamingBody(io.BytesIO(b""), 0),
            "ResponseMetadata": {
                "RequestId": "metadata-id",
                "HTTPHeaders": {"x-amzn-RequestId": "header-id", "content-length": "0"},
            },
        }


def test_sends_an_event_and_takes_the_request_id_from_the_header() -> None:
    fake = _FakeLambda()
    invocation = invoke_async(fake, "fn", b'{"raise_error": 1}')
    assert fake.calls == [
        {"FunctionName": "fn", "InvocationType": "Event", "Payload": b'{"raise_error": 1}'}
    ]
    assert (invocation.status_code, invocation.request_id) == (202, "header-id")


def test_payloads_are_sent_as_given() -> None:
    assert encode_payload(b'{"raise_error": 1}') == b'{"raise_error": 1}'  # spacing kept
    assert encode_payload('{"a":1}') == b'{"a":1}'
    assert encode_payload({"a": "é"}) == b'{"a": "\\u00e9"}'


def test_a_correlation_id_must_be_in_the_payload(aws) -> None:
    with pytest.raises(ValueError, match="'c-9' does not occur in the payload for fn"):
        invoke_async(aws.client("lambda"), "fn", {"key1": "x"}, correlation_id="c-9")


def test_refused_invokes_name_the_function_and_status(aws, deploy) -> None:
    lam = aws.client("lambda")
    with pytest.raises(InvokeError) as caught:
        invoke_async(lam, "no-such-fn", b"{}")
    assert (caught.value.status_code, caught.value.code) == (404, "ResourceNotFoundException")
    assert str(caught.value).startswith("async invoke of no-such-fn returned 404 ")
    fn = deploy(SUCCEEDING)
    with pytest.raises(InvokeError) as caught:
        invoke_async(lam, fn.name, b'"' + b"x" * 5000 + b'"')  # the test emulator's limit: 4096
    assert caught.value.status_code == 413
    assert "payload is too large for the Event invocation type" in str(caught.value)
