"""The seed tutorial end to end: the module applied, invoked asynchronously, its failures in the DLQ.

Runs unchanged against the emulator (TARGET=local, default) and a real account (TARGET=aws):
every expected value here is what AWS does (../shared/aws-async-facts.md), nothing emulator-only.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest

from asyncdlq.harness.aws import (
    LogEvent,
    assert_nothing_left,
    invoke_async,
    message_attributes,
    queue_name_of,
    wait_for_dlq_messages,
    wait_for_log_lines,
)
from asyncdlq.packaging import build_zip

ROOT = Path(__file__).resolve().parents[1]
SEED_STACK = ROOT / "tests" / "stacks" / "seed"
# Facts §2: a retry starts ~60 s after attempt 1 ends and ~120 s after attempt 2 ends.
RETRY_DELAYS_S = (60, 120)


@pytest.fixture(scope="module")
def seed(asyncdlq_stack, asyncdlq_run_prefix, tmp_path_factory) -> Any:
    package = build_zip(ROOT / "lambda", tmp_path_factory.mktemp("package") / "lambda.zip")
    return asyncdlq_stack(
        SEED_STACK, {"name_prefix": asyncdlq_run_prefix, "package_path": str(package)}
    )


@pytest.fixture(scope="module")
def time_scale(asyncdlq_emulator) -> float:
    """How much faster than AWS the target runs retries: 1 on AWS."""
    return asyncdlq_emulator.time_scale if asyncdlq_emulator else 1.0


def _wait_budget_s(outputs: dict[str, Any], time_scale: float) -> float:
    retries = int(outputs["maximum_retry_attempts"])
    expected = sum(RETRY_DELAYS_S[:retries]) * time_scale
    # AWS's delays drift (+66 s and +130 s were measured) and delivery adds latency.
    return 2 * expected + (30 if time_scale < 1 else 240)


def _starts(request_id: str, events: list[LogEvent]) -> list[LogEvent]:
    return [e for e in events if e.message == f"START RequestId: {request_id} Version: $LATEST"]


def _attempt_lines(logs: Any, group: str, streams: set[str], request_id: str) -> list[list[str]]:
    """Each attempt's log lines, START to END: printed lines don't carry the request ID."""
    attempts: list[list[str]] = []
    for stream in sorted(streams):
        current: list[str] | None = None
        events = logs.get_log_events(logGroupName=group, logStreamName=stream, startFromHead=True)
        for event in events["events"]:
            line = event["message"].rstrip("\n")
            if line == f"START RequestId: {request_id} Version: $LATEST":
                current = []
            elif line == f"END RequestId: {request_id}" and current is not None:
                attempts.append(current)
                current = None
            elif current is not None:
                current.append(line)
    return attempts


def test_success_returns_202_and_logs_the_event(seed, asyncdlq_clients) -> None:
    fn = seed.outputs["succeeding"]
    result = invoke_async(asyncdlq_clients.lambda_, fn["function_name"], b'{"key1": "value1"}')
    assert result.status_code == 202
    assert result.body == b""

    events = wait_for_log_lines(
        asyncdlq_clients.logs,
        fn["log_group_name"],
        result.request_id,
        lambda evs: any(
            e.message.startswith(f"REPORT RequestId: {result.request_id}") for e in evs
        ),
        timeout_s=120,
        what="the invocation's REPORT line",
    )
    (lines,) = _attempt_lines(
        asyncdlq_clients.logs, fn["log_group_name"], {e.stream for e in events}, result.request_id
    )
    assert "Lambda event: {'key1': 'value1'}" in lines


def test_failure_is_retried_twice_then_lands_in_the_dlq(seed, asyncdlq_clients, time_scale) -> None:
    fn = seed.outputs["failing"]
    payload = b'{"key1": "value1"}'
    result = invoke_async(asyncdlq_clients.lambda_, fn["function_name"], payload)
    assert result.status_code == 202

    (message,) = wait_for_dlq_messages(
        asyncdlq_clients.sqs, fn["dlq_url"], 1, timeout_s=_wait_budget_s(fn, time_scale)
    )
    assert message["Body"].encode() == payload  # the sent bytes, not a re-serialization
    assert message["MD5OfBody"] == hashlib.md5(payload).hexdigest()
    assert set(message["MessageAttributes"]) == {"RequestID", "ErrorCode", "ErrorMessage"}
    assert message["MessageAttributes"]["ErrorCode"]["DataType"] == "Number"
    assert message_attributes(message) == {
        "RequestID": result.request_id,
        "ErrorCode": "200",
        "ErrorMessage": "Something went wrong",
    }

    attempts = 1 + int(fn["maximum_retry_attempts"])
    events = wait_for_log_lines(
        asyncdlq_clients.logs,
        fn["log_group_name"],
        result.request_id,
        lambda evs: sum(e.message.startswith("REPORT ") for e in evs) >= attempts,
        timeout_s=120,
        what=f"{attempts} attempts' log lines",
    )
    assert len(_starts(result.request_id, events)) == attempts == 3
    per_attempt = _attempt_lines(
        asyncdlq_clients.logs, fn["log_group_name"], {e.stream for e in events}, result.request_id
    )
    assert len(per_attempt) == 3
    for lines in per_attempt:
        assert "Lambda event: {'key1': 'value1'}" in lines
        assert any(line.startswith("[ERROR] Exception: Something went wrong") for line in lines)


def test_plan_after_apply_is_empty(seed) -> None:
    assert seed.stack.plan_exit_code() == 0


def test_destroy_leaves_nothing_behind(seed, asyncdlq_clients) -> None:
    seed.stack.destroy()
    for fn in (seed.outputs["succeeding"], seed.outputs["failing"]):
        assert_nothing_left(
            asyncdlq_clients,
            function_name=fn["function_name"],
            queue_name=queue_name_of(fn["dlq_url"]),
            role_name=fn["role_arn"].rsplit("/", 1)[-1],
            log_group=fn["log_group_name"],
        )
