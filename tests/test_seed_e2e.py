"""The seed tutorial end to end: the module applied, invoked asynchronously, its failures in the DLQ.

Runs unchanged against the emulator (TARGET=local, default) and a real account (TARGET=aws):
every expected value here is what AWS does (docs/aws-behaviour.md, "The seed scenario"), nothing
emulator-only.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from asyncdlq.client.clients import assert_nothing_left, queue_name_of

ROOT = Path(__file__).resolve().parents[1]
SEED_STACK = ROOT / "tests" / "stacks" / "seed"


@pytest.fixture(scope="module")
def seed(asyncdlq_stack, asyncdlq_run_prefix, asyncdlq_package) -> Any:
    package = asyncdlq_package(ROOT / "lambda")
    return asyncdlq_stack(
        SEED_STACK, {"name_prefix": asyncdlq_run_prefix, "package_path": str(package)}
    )


def test_success_returns_202_and_logs_the_event(seed, asyncdlq_invoke, asyncdlq_logs) -> None:
    fn = seed.outputs["succeeding"]
    invocation = asyncdlq_invoke(fn["function_name"], b'{"key1": "value1"}')
    assert invocation.status_code == 202

    (attempt,) = asyncdlq_logs.attempts(invocation, count=1)
    assert attempt.lines[0] == f"START RequestId: {invocation.request_id} Version: $LATEST"
    assert attempt.output == ["Lambda event: {'key1': 'value1'}"]
    assert not attempt.failed


def test_failure_is_retried_twice_then_lands_in_the_dlq(
    seed, asyncdlq_invoke, asyncdlq_messages, asyncdlq_timeline
) -> None:
    fn = seed.outputs["failing"]
    payload = b'{"key1": "value1"}'
    invocation = asyncdlq_invoke(fn["function_name"], payload)
    assert invocation.status_code == 202

    match = asyncdlq_messages.wait_for(fn["dlq_url"], invocation)
    (message,) = match.messages
    assert match.unexplained_duplicates == []  # a redelivery is reported, not failed
    assert message.body.encode() == payload  # the sent bytes, not a re-serialization
    assert message.message_attributes["ErrorCode"]["DataType"] == "Number"
    assert set(message.message_attributes) == {"RequestID", "ErrorCode", "ErrorMessage"}
    assert message.lambda_attributes == {
        "RequestID": invocation.request_id,
        "ErrorCode": "200",
        "ErrorMessage": "Something went wrong",
    }

    # docs/aws-behaviour.md, Retry timing and event age: 1 + MaximumRetryAttempts attempts, the same
    # request id on each, the retries ~60 s and ~120 s after the attempt before ended (scaled on the
    # emulator).
    timeline = asyncdlq_timeline(invocation, message)
    assert int(fn["maximum_retry_attempts"]) == 2
    asyncdlq_timeline.assert_retry_spacing(timeline, attempts=3)
    for attempt in timeline.attempts:
        assert attempt.output[0] == "Lambda event: {'key1': 'value1'}"
        assert attempt.error == "Exception: Something went wrong"
        assert any(
            line.startswith("[ERROR] Exception: Something went wrong") for line in attempt.lines
        )
    assert timeline.delivered_at is not None
    assert timeline.delivered_at >= timeline.attempts[-1].end_ms / 1000 - 1


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
