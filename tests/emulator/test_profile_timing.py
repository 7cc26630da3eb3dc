"""The aws profile's timing: retries start late (retry_lateness.py), new functions stay Pending
for pending_s, and a share of events runs twice. Each behaviour on, with the others off, and off
in the plain profile; real boto3 against an in-process emulator started with the profile."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

import pytest
from botocore.exceptions import ClientError

from asyncdlq.emulator.async_events import AsyncEvent
from asyncdlq.emulator.profile import AWS, PLAIN, EmulatorProfile, parse_profile
from asyncdlq.emulator.retry_lateness import RetryLateness
from asyncdlq.emulator.server import EmulatorServer

from .conftest import (
    FAILING,
    LAMBDA_TRUST,
    Aws,
    profiled_emulator,
    wait_active,
    zip_source,
)

SUCCEEDING = """
def lambda_handler(event, context):
    print("Lambda event:", event)
    return event
"""
# Every behaviour of the aws profile off; a test turns on the one it checks.
ALL_OFF = (
    "aws:retry_lateness=0..0,log_visibility_delay_s=0,filter_log_events_tps=0,"
    "short_poll_miss_rate=0,iam_propagation_s=0,pending_s=1,duplicate_rate=0,"
    "queue_name_reuse_s=0,clock_skew_s=0"
)


def aws_with(switches: str) -> EmulatorProfile:
    """The aws profile with every behaviour off but ``switches``."""
    return parse_profile(f"{ALL_OFF},{switches}" if switches else ALL_OFF)


def create_function(aws: Aws, source: str = SUCCEEDING, wait: bool = True, **extra: Any) -> str:
    iam, lam = aws.client("iam"), aws.client("lambda")
    role = iam.create_role(
        RoleName=f"role-{uuid.uuid4().hex[:8]}", AssumeRolePolicyDocument=json.dumps(LAMBDA_TRUST)
    )["Role"]["Arn"]
    name = f"fn-{uuid.uuid4().hex[:8]}"
    lam.create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=role,
        Handler="handler.lambda_handler",
        Code={"ZipFile": zip_source(source)},
        **extra,
    )
    if wait:
        wait_active(lam, name)
    return name


def finished(server: EmulatorServer, name: str, count: int, timeout_s: float = 20) -> list[Any]:
    """The function's events once ``count`` of them have an outcome."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        events: list[AsyncEvent] = [
            e for e in server.emulator.engine.events() if e.function_name == name
        ]
        if len(events) >= count and all(e.outcome for e in events):
            return events
        time.sleep(0.02)
    raise AssertionError(f"{name}: {count} event(s) without an outcome after {timeout_s}s")


# -- retry lateness ---------------------------------------------------------------------------


def retry_gap_s(profile: EmulatorProfile, time_scale: float) -> float:
    """Seconds between the end of attempt 1 and the start of attempt 2 of a failing event."""
    with profiled_emulator(profile, time_scale) as (aws, server):
        name = create_function(aws, FAILING)
        lam = aws.client("lambda")
        lam.put_function_event_invoke_config(FunctionName=name, MaximumRetryAttempts=1)
        lam.invoke(FunctionName=name, InvocationType="Event", Payload=b"{}")
        (event,) = finished(server, name, 1)
        first, second = event.attempts
        return second.started_at - first.ended_at


def test_retries_start_late_by_the_profiles_share_of_their_delay() -> None:
    # 60 s at 1/50 is 1.2 s; a lateness of exactly 100% makes it 2.4 s.
    gap = retry_gap_s(aws_with("retry_lateness=1..1"), 0.02)
    assert 2.4 - 0.05 <= gap < 2.4 + 1.0


def test_retries_keep_their_delay_in_the_plain_profile() -> None:
    gap = retry_gap_s(PLAIN, 0.02)
    assert 1.2 - 0.05 <= gap < 2.2


def test_lateness_is_seeded_and_within_its_range() -> None:
    draws = [RetryLateness((0.1, 0.3), seed=7).late(60.0) for _ in range(2)]
    assert draws[0] == draws[1]
    lateness = RetryLateness((0.1, 0.3), seed=7)
    assert all(66.0 <= lateness.late(60.0) <= 78.0 for _ in range(200))
    assert RetryLateness().late(60.0) == 60.0
    with pytest.raises(ValueError):
        RetryLateness((0.3, 0.1))


def test_the_aws_profile_defaults_are_the_cited_ones() -> None:
    # docs/aws-behaviour.md, The aws emulator profile: timing and logs.
    assert AWS.retry_lateness == (0.0, 0.3)
    assert AWS.log_visibility_delay_s == 5.0
    assert AWS.filter_log_events_tps == 5.0
    assert AWS.pending_s == 5.0
    assert AWS.duplicate_rate == 0.02
    assert AWS.clock_skew_s == -7.0
    assert (PLAIN.retry_lateness, PLAIN.pending_s, PLAIN.clock_skew_s) == ((0.0, 0.0), 1.0, 0.0)


# -- Pending ----------------------------------------------------------------------------------


def test_a_new_function_stays_pending_for_the_profiles_pending_s() -> None:
    # 200 AWS seconds at 1/100: two seconds Pending.
    with profiled_emulator(aws_with("pending_s=200")) as (aws, _):
        lam = aws.client("lambda")
        created = time.monotonic()
        name = create_function(aws, wait=False)
        time.sleep(max(0.0, created + 1.0 - time.monotonic()))
        if time.monotonic() - created < 1.8:  # else too slow a machine to tell
            assert lam.get_function_configuration(FunctionName=name)["State"] == "Pending"
            with pytest.raises(ClientError) as refused:
                lam.invoke(FunctionName=name, Payload=b"{}")
            assert refused.value.response["Error"]["Code"] == "ResourceConflictException"
        wait_active(lam, name, timeout_s=10)
        assert time.monotonic() - created >= 2.0 - 0.05


def test_a_new_function_is_active_almost_at_once_in_the_plain_profile() -> None:
    with profiled_emulator(PLAIN) as (aws, _):
        created = time.monotonic()
        name = create_function(aws, wait=False)
        wait_active(aws.client("lambda"), name, timeout_s=10)
        assert time.monotonic() - created < 1.0  # 1 AWS second at 1/100


# -- at least once ----------------------------------------------------------------------------


def test_the_profiles_duplicate_rate_runs_events_twice() -> None:
    with profiled_emulator(aws_with("duplicate_rate=1")) as (aws, server):
        name = create_function(aws)
        aws.client("lambda").invoke(FunctionName=name, InvocationType="Event", Payload=b"{}")
        events = finished(server, name, 2)
        assert sorted(e.duplicate for e in events) == [False, True]
        assert len({e.request_id for e in events}) == 1


def test_events_run_once_in_the_plain_profile() -> None:
    with profiled_emulator(PLAIN) as (aws, server):
        name = create_function(aws)
        aws.client("lambda").invoke(FunctionName=name, InvocationType="Event", Payload=b"{}")
        (event,) = finished(server, name, 1)
        time.sleep(0.2)
        assert [e.duplicate for e in server.emulator.engine.events()] == [False]
        assert event.outcome == "Success"
