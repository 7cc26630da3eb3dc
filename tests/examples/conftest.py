"""Shared by the examples' tests (one module per example, so pytest-xdist can spread them over
workers): the handler zip, the time scale, applying an example, the dead-letter checks.

Each example is applied once per session (``asyncdlq_stack``) with its own name prefix and the
demo handler's zip. Runs unchanged against the emulator (TARGET=local, default) and a real account
(TARGET=aws): every expected value is what AWS does (/work/shared/aws-async-facts.md §3-4).
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest

from asyncdlq.harness.aws import message_attributes
from asyncdlq.packaging import build_zip

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
# Facts §2: a retry starts ~60 s after attempt 1 ends and ~120 s after attempt 2 ends.
RETRY_DELAYS_S = (60, 120)
# Facts §4: an invocation record's keys, in order.
RECORD_KEYS = ["version", "timestamp", "requestContext", "requestPayload"]
RECORD_KEYS_WITH_RESPONSE = [*RECORD_KEYS, "responseContext", "responsePayload"]
# Facts §3: the three attributes of a dead letter for a function error.
DLQ_ATTRIBUTES = {"RequestID", "ErrorCode", "ErrorMessage"}


@pytest.fixture(scope="module")
def package(tmp_path_factory) -> Path:
    return build_zip(ROOT / "lambda", tmp_path_factory.mktemp("package") / "lambda.zip")


@pytest.fixture(scope="module")
def time_scale(asyncdlq_emulator) -> float:
    """How much faster than AWS the target runs retries: 1 on AWS."""
    return asyncdlq_emulator.time_scale if asyncdlq_emulator else 1.0


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


def wait_budget_s(outputs: dict[str, Any], time_scale: float) -> float:
    retries = int(outputs["maximum_retry_attempts"])
    expected = sum(RETRY_DELAYS_S[:retries]) * time_scale
    # AWS's delays drift (+66 s and +130 s were measured) and delivery adds latency.
    return 2 * expected + (30 if time_scale < 1 else 240)


def assert_dead_letter(
    message: dict[str, Any], payload: bytes, request_id: str, error: str
) -> None:
    """Facts §3: body = the sent bytes, exactly RequestID/ErrorCode/ErrorMessage."""
    assert message["Body"].encode() == payload
    assert message["MD5OfBody"] == hashlib.md5(payload).hexdigest()
    assert set(message["MessageAttributes"]) == DLQ_ATTRIBUTES
    assert message["MessageAttributes"]["ErrorCode"]["DataType"] == "Number"
    assert message["MessageAttributes"]["RequestID"]["DataType"] == "String"
    assert message_attributes(message) == {
        "RequestID": request_id,
        "ErrorCode": "200",
        "ErrorMessage": error,
    }
