"""The aws profile's logs: events readable only after log_visibility_delay_s
(logs_visibility.py), stamped by a service clock clock_skew_s off the client's, and
FilterLogEvents throttled above filter_log_events_tps per account and region
(logs_throttle.py). Each on, and off in the plain profile; real boto3 against an in-process
emulator started with the profile, and the writer itself with fakes."""

from __future__ import annotations

import threading
import time
import uuid
from typing import Any

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from asyncdlq.emulator.logs_throttle import TokenBuckets
from asyncdlq.emulator.logs_visibility import LogWriter
from asyncdlq.emulator.profile import PLAIN

from .conftest import Aws, profiled_emulator
from .test_profile_timing import aws_with, create_function

NO_RETRIES = Config(retries={"total_max_attempts": 1})


def invoke_sync(aws: Aws, name: str) -> str:
    response = aws.client("lambda").invoke(FunctionName=name, Payload=b"{}")
    return str(response["ResponseMetadata"]["RequestId"])


def start_lines(aws: Aws, name: str, request_id: str) -> list[dict[str, Any]]:
    events = aws.client("logs").filter_log_events(logGroupName=f"/aws/lambda/{name}")["events"]
    return [e for e in events if e["message"].startswith(f"START RequestId: {request_id}")]


def wait_start_line(aws: Aws, name: str, request_id: str, timeout_s: float) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        found = start_lines(aws, name, request_id)
        if found:
            return found[0]
        time.sleep(0.05)
    raise AssertionError(f"no START line of {request_id} after {timeout_s}s")


# -- visibility delay -------------------------------------------------------------------------


def test_log_events_become_readable_only_after_the_delay() -> None:
    # 200 AWS seconds at 1/100: two seconds.
    with profiled_emulator(aws_with("log_visibility_delay_s=200")) as (aws, _):
        name = create_function(aws)
        logs = aws.client("logs")
        group = f"/aws/lambda/{name}"
        request_id = invoke_sync(aws, name)
        returned = time.monotonic()
        (stream,) = logs.describe_log_streams(logGroupName=group)["logStreams"]
        head = logs.get_log_events(
            logGroupName=group, logStreamName=stream["logStreamName"], startFromHead=True
        )
        if time.monotonic() - returned < 1.5:  # else too slow a machine to tell
            assert start_lines(aws, name, request_id) == []
            assert head["events"] == []
        wait_start_line(aws, name, request_id, timeout_s=10)
        assert time.monotonic() - returned >= 2.0 - 0.5  # written before the invoke returned
        # The token of the empty read goes on to the events that arrived after it.
        later = logs.get_log_events(
            logGroupName=group,
            logStreamName=stream["logStreamName"],
            nextToken=head["nextForwardToken"],
        )
        assert any(e["message"].startswith("START RequestId: ") for e in later["events"])


def test_log_events_are_readable_at_once_in_the_plain_profile() -> None:
    with profiled_emulator(PLAIN) as (aws, _):
        name = create_function(aws)
        request_id = invoke_sync(aws, name)
        wait_start_line(aws, name, request_id, timeout_s=0.5)


def test_the_writer_keeps_order_drops_on_reset_and_flushes_on_close() -> None:
    done: list[int] = []
    writer = LogWriter(delay_s=0.2)
    for n in range(3):
        writer.submit(lambda n=n: done.append(n))
    assert done == [] and writer.pending() == 3
    time.sleep(0.5)
    assert done == [0, 1, 2]
    writer.submit(lambda: done.append(3))
    assert writer.drop() == 1
    writer.submit(lambda: done.append(4))
    writer.close()
    assert done == [0, 1, 2, 4]
    writer.submit(lambda: done.append(5))  # closed: at once
    assert done[-1] == 5


def test_the_delay_is_time_scaled_and_a_zero_delay_writes_at_once() -> None:
    assert LogWriter(delay_s=5.0, time_scale=0.01).delay_s == pytest.approx(0.05)
    done: list[str] = []
    LogWriter().submit(lambda: done.append(threading.current_thread().name))
    assert done == [threading.current_thread().name]


# -- clock skew -------------------------------------------------------------------------------


def start_line_offset(profile_switches: str | None) -> tuple[float, float]:
    """(the START line's timestamp minus the client's time before the invoke, how long the
    invoke took): the line was written within that window."""
    profile = PLAIN if profile_switches is None else aws_with(profile_switches)
    with profiled_emulator(profile) as (aws, _):
        name = create_function(aws)
        before = time.time()
        request_id = invoke_sync(aws, name)
        window = time.time() - before
        event = wait_start_line(aws, name, request_id, timeout_s=5)
        return event["timestamp"] / 1000 - before, window


def test_log_timestamps_follow_the_service_clock() -> None:
    # Not time-scaled: -30 s is -30 s whatever the scale (logs_visibility.py says why).
    offset, window = start_line_offset("clock_skew_s=-30")
    assert -30 - 0.01 <= offset <= -30 + window + 0.01


def test_log_timestamps_are_the_clients_clock_in_the_plain_profile() -> None:
    offset, window = start_line_offset(None)
    assert -0.01 <= offset <= window + 0.01


def test_the_writer_stamps_with_real_time_plus_the_skew() -> None:
    writer = LogWriter(clock_skew_s=-7.0, time_scale=0.01, clock=lambda: 1000.0)
    assert writer.now_ms() == 993_000


# -- FilterLogEvents throttling ---------------------------------------------------------------


def _filter_calls(aws: Aws, group: str, count: int, region: str = "us-east-1") -> list[Any]:
    logs = aws.client("logs", NO_RETRIES)
    if region != "us-east-1":
        import boto3

        logs = boto3.client(
            "logs",
            config=NO_RETRIES,
            endpoint_url=aws.endpoint_url,
            region_name=region,
            aws_access_key_id="test",
            aws_secret_access_key="test",
        )
    results: list[Any] = []
    for _ in range(count):
        try:
            results.append(logs.filter_log_events(logGroupName=group)["ResponseMetadata"])
        except ClientError as exc:
            results.append(exc.response)
    return results


def _throttled(results: list[Any]) -> list[Any]:
    return [r for r in results if "Error" in r]


def test_filter_log_events_beyond_its_rate_answers_throttling_exception() -> None:
    with profiled_emulator(aws_with("filter_log_events_tps=5")) as (aws, _):
        group = f"/test/{uuid.uuid4().hex[:8]}"
        aws.client("logs").create_log_group(logGroupName=group)
        results = _filter_calls(aws, group, 12)
        throttled = _throttled(results)
        assert len(results) - len(throttled) <= 6  # 5 saved up, and what refilled meanwhile
        assert throttled, "12 calls at once never exceeded 5 a second"
        error = throttled[0]
        # AWS's answer (docs/aws-behaviour.md, The aws emulator profile: timing and logs).
        assert error["Error"] == {"Code": "ThrottlingException", "Message": "Rate exceeded"}
        assert error["ResponseMetadata"]["HTTPStatusCode"] == 400
        assert error["ResponseMetadata"]["RequestId"]
        # Per account and region: another region still has its own five.
        other = _filter_calls(aws, group, 1, region="us-west-2")[0]
        assert other.get("Error", {}).get("Code") != "ThrottlingException"
        # Other operations are not limited by it.
        logs = aws.client("logs", NO_RETRIES)
        for _ in range(10):
            logs.describe_log_groups(logGroupNamePrefix=group)
        time.sleep(1.1)  # a second refills five
        assert not _throttled(_filter_calls(aws, group, 3))


def test_filter_log_events_is_not_throttled_in_the_plain_profile() -> None:
    with profiled_emulator(PLAIN) as (aws, _):
        group = f"/test/{uuid.uuid4().hex[:8]}"
        aws.client("logs").create_log_group(logGroupName=group)
        assert not _throttled(_filter_calls(aws, group, 30))


def test_buckets_refill_at_their_rate() -> None:
    now = [0.0]
    buckets = TokenBuckets(5.0, clock=lambda: now[0])
    key = ("123456789012", "us-east-1")
    assert [buckets.take(key) for _ in range(6)] == [True] * 5 + [False]
    now[0] += 0.2  # one token
    assert [buckets.take(key) for _ in range(2)] == [True, False]
    assert buckets.take(("123456789012", "eu-west-1"))
