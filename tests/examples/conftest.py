"""Shared by the examples' tests (one module per example, so pytest-xdist can spread them over
workers): the handler zip, applying an example, the dead-letter checks.

Each example is applied once per session (``asyncdlq_stack``) with its own name prefix and the demo
handler's zip. Runs unchanged against the emulator (TARGET=local, default) and a real account
(TARGET=aws): every expected value is what AWS does (docs/aws-behaviour.md, Dead-letter queues;
Destinations and dead-letter targets).
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from asyncdlq.client.messages import ReceivedMessage
from asyncdlq.client.triggers import Triggered

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
# docs/aws-behaviour.md, Destinations and dead-letter targets: an invocation record's keys, in
# order.
RECORD_KEYS = ["version", "timestamp", "requestContext", "requestPayload"]
RECORD_KEYS_WITH_RESPONSE = [*RECORD_KEYS, "responseContext", "responsePayload"]
# docs/aws-behaviour.md, Dead-letter queues: a dead letter for a function error has exactly these
# attributes, of these types.
DLQ_ATTRIBUTE_TYPES = {"RequestID": "String", "ErrorCode": "Number", "ErrorMessage": "String"}


@pytest.fixture(scope="module")
def package(asyncdlq_package) -> Path:
    # Built in the run's own directory, which stays as long as a kept or undestroyed stack's
    # state does: terraform evaluates filebase64sha256(package_path) even to destroy, and
    # pytest's tmp dirs are deleted after three runs.
    return asyncdlq_package(ROOT / "lambda")


@pytest.fixture(scope="module")
def apply_example(asyncdlq_stack, asyncdlq_run_prefix, package):
    def apply(name: str, suffix: str) -> Any:
        variables = {"name_prefix": f"{asyncdlq_run_prefix}-{suffix}", "package_path": str(package)}
        return asyncdlq_stack(EXAMPLES / name, variables)

    return apply


@pytest.fixture(scope="module")
def basic(apply_example) -> Any:
    return apply_example("basic", "bas")


@pytest.fixture(scope="module")
def sns_dlq(apply_example) -> Any:
    return apply_example("sns-dlq", "sns")


@pytest.fixture(scope="module")
def destinations(apply_example) -> Any:
    return apply_example("destinations", "dst")


@pytest.fixture(scope="module")
def existing_dlq(apply_example) -> Any:
    return apply_example("existing-dlq", "byo")


def assert_dead_letter(
    message: ReceivedMessage, payload: bytes, request_id: str, error: str
) -> None:
    """docs/aws-behaviour.md, Dead-letter queues: an SQS message whose body is the sent bytes,
    exactly RequestID/ErrorCode/ErrorMessage as String/Number/String."""
    assert message.sns is None
    assert message.body.encode() == payload
    assert message.md5_of_body == hashlib.md5(payload).hexdigest()
    types = {name: attr["DataType"] for name, attr in message.message_attributes.items()}
    assert types == DLQ_ATTRIBUTE_TYPES
    assert message.lambda_attributes == {
        "RequestID": request_id,
        "ErrorCode": "200",
        "ErrorMessage": error,
    }


@pytest.fixture(scope="module")
def sns_trigger(apply_example) -> Any:
    return apply_example("sns-trigger", "snt")


@pytest.fixture(scope="module")
def eventbridge_trigger(apply_example) -> Any:
    return apply_example("eventbridge-trigger", "evt")


@pytest.fixture(scope="module")
def s3_trigger(apply_example) -> Any:
    return apply_example("s3-trigger", "s3t")


def assert_triggered_dead_letter(
    dead: ReceivedMessage, triggered: Triggered, outputs: dict[str, Any], timelines: Any
) -> None:
    """The function's dead letter of a triggered event: Lambda's three attributes
    (docs/aws-behaviour.md, Dead-letter queues), the request id learnt from it, and
    1 + maximum_retry_attempts attempts spaced as AWS spaces them (Retry timing and event age)."""
    types = {name: attr["DataType"] for name, attr in dead.message_attributes.items()}
    assert types == DLQ_ATTRIBUTE_TYPES
    assert dead.lambda_attributes["ErrorMessage"] == "Something went wrong"
    assert dead.request_id and triggered.request_id == dead.request_id
    assert int(outputs["maximum_retry_attempts"]) == 2
    timelines.assert_retry_spacing(timelines(triggered, dead), attempts=3)


@contextlib.contextmanager
def without_permission(lambda_client: Any, permission: dict[str, Any]) -> Iterator[None]:
    """The example's trigger statement removed for the block, then added again exactly as the
    module wrote it (the example's ``trigger_permission`` output), so the plan stays empty."""
    lambda_client.remove_permission(
        FunctionName=permission["FunctionName"], StatementId=permission["StatementId"]
    )
    try:
        yield
    finally:
        lambda_client.add_permission(**permission)
