"""Reserved concurrency: 0 fails events at once (docs/aws-behaviour.md, Reserved concurrency 0); a
limit throttles: events beyond it wait for a slot, each wait counted as a throttle and never as an
attempt, and still expire by their maximum age (docs/aws-behaviour.md, Retry timing and event age;
Async records, logs and throttles). The drain itself: test_throttled_backlog.py."""

from __future__ import annotations

import json
import time

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from .conftest import FAILING, SUCCEEDING
from .helpers import dlq_messages, invoke_event, wait_outcome
from .test_destinations import _destinations, _queue


def test_zero_reserved_concurrency_sends_the_event_on_at_once(aws, emulator, deploy) -> None:
    fn = deploy(SUCCEEDING)
    url, arn = _queue(aws, f"{fn.name}-failed")
    _destinations(aws, fn, 2, on_failure=arn)
    lam = aws.client("lambda")
    lam.put_function_concurrency(FunctionName=fn.name, ReservedConcurrentExecutions=0)
    request_id = invoke_event(aws, fn.name, b'{"key1": "value1"}')  # still 202
    event = wait_outcome(emulator, request_id)
    assert event.outcome == "ZeroReservedConcurrency" and event.attempts == []
    record = json.loads(dlq_messages(aws, url, 1)[0]["Body"])
    assert record["requestContext"]["condition"] == "ZeroReservedConcurrency"
    assert record["requestContext"]["approximateInvokeCount"] == 0
    assert "responseContext" not in record and "responsePayload" not in record
    (dead,) = dlq_messages(aws, fn.queue_url, 1)
    assert dead["MessageAttributes"]["RequestID"]["StringValue"] == request_id
    assert lam.get_function(FunctionName=fn.name)["Concurrency"] == {
        "ReservedConcurrentExecutions": 0
    }


def test_sync_invoke_at_zero_concurrency_is_429(aws, deploy) -> None:
    fn = deploy(SUCCEEDING)
    lam = aws.client("lambda", config=Config(retries={"max_attempts": 1, "mode": "standard"}))
    lam.put_function_concurrency(FunctionName=fn.name, ReservedConcurrentExecutions=0)
    with pytest.raises(ClientError) as caught:
        lam.invoke(FunctionName=fn.name, Payload=b"{}")
    error = caught.value.response
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 429
    assert error["Error"]["Code"] == "TooManyRequestsException"
    assert error["Error"]["Message"] == "Rate Exceeded."
    assert error["Reason"] == "ReservedFunctionConcurrentInvocationLimitExceeded"


def test_throttled_events_wait_and_do_not_count_as_attempts(aws, emulator, deploy) -> None:
    fn = deploy(
        "import time\ndef lambda_handler(event, context):\n    time.sleep(0.5)\n", retries=0
    )
    aws.client("lambda").put_function_concurrency(
        FunctionName=fn.name, ReservedConcurrentExecutions=1
    )
    ids = [invoke_event(aws, fn.name, b"{}") for _ in range(3)]
    events = [wait_outcome(emulator, request_id, timeout_s=30) for request_id in ids]
    assert all(e.outcome == "Success" and len(e.attempts) == 1 for e in events)
    assert sum(e.throttles for e in events) >= 2
    starts = sorted(e.attempts[0].started_at for e in events)
    ends = sorted(e.attempts[0].ended_at for e in events)
    assert starts[1] >= ends[0] and starts[2] >= ends[1]  # never two at once


def test_throttles_are_bounded_by_event_age(aws, emulator, deploy) -> None:
    fn = deploy(
        "import time\ndef lambda_handler(event, context):\n    time.sleep(2)\n",
        retries=0,
        max_age=60,
    )
    aws.client("lambda").put_function_concurrency(
        FunctionName=fn.name, ReservedConcurrentExecutions=1
    )
    first = invoke_event(aws, fn.name, b"{}")
    second = invoke_event(aws, fn.name, b"{}")
    # The age limit (60 s at scale 0.01 = 0.6 s) passes while the first event holds the slot.
    event = wait_outcome(emulator, second, timeout_s=10)
    assert event.outcome == "EventAgeExceeded" and event.attempts == [] and event.throttles >= 1
    assert wait_outcome(emulator, first, timeout_s=10).outcome == "Success"


def test_duplicate_rate_delivers_events_twice_with_the_same_request_id(aws, emulator, deploy):
    fn = deploy(SUCCEEDING)
    engine = emulator.emulator.engine
    engine.duplicate_rate = 1.0  # what `asyncdlq emulator --duplicate-rate 1` sets
    try:
        request_id = invoke_event(aws, fn.name, b'{"key1": "v"}')
    finally:
        engine.duplicate_rate = 0.0
    wait_outcome(emulator, request_id)
    deadline = time.time() + 10
    while time.time() < deadline:
        copies = [e for e in engine.events() if e.request_id == request_id]
        if all(e.outcome for e in copies):
            break
        time.sleep(0.05)
    assert [e.duplicate for e in copies] == [False, True]
    assert all(e.outcome == "Success" and len(e.attempts) == 1 for e in copies)


def test_reset_forgets_queued_events(aws, emulator, deploy) -> None:
    fn = deploy(FAILING, retries=2)
    invoke_event(aws, fn.name, b"{}")
    pending = emulator.emulator.reset()
    assert emulator.emulator.engine.events() == []
    assert all(e.outcome == "Reset" for e in pending)
