"""Reading logs as AWS needs it: throttled FilterLogEvents (docs/aws-behaviour.md, CloudWatch Logs
read quotas) is retried and never fails a wait; a client clock ahead of the service's does not hide
an invocation's attempts (the one lookback of asyncdlq.aws.timing, LOG_LOOKBACK_MS).

Throttles come from botocore's Stubber (the SDK's own tool for error answers) and, where the
session's emulator throttles (the ``aws`` profile), from the emulator itself.
"""

from __future__ import annotations

import dataclasses
import random
import time
from types import SimpleNamespace
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from botocore.retries.standard import ThrottledRetryableChecker
from botocore.stub import Stubber

from asyncdlq.aws import timing
from asyncdlq.client.clients import clients
from asyncdlq.client.deadlines import Deadlines
from asyncdlq.client.invoker import invoke_async
from asyncdlq.client.logs import THROTTLE_CODES, LogReader, LogsThrottled, is_throttle
from asyncdlq.client.timeline import build_timeline
from asyncdlq.harness.session_helpers import FunctionFacts, Logs
from asyncdlq.target import Target
from tests.emulator.conftest import SUCCEEDING

GROUP = "/aws/lambda/fn"
REQUEST = "0b5ac1a2-1111-4222-8333-444455556666"
STREAM = "2026/01/01/[$LATEST]" + "a" * 32


def _lines(at_ms: int) -> list[dict[str, Any]]:
    texts = [
        f"START RequestId: {REQUEST} Version: $LATEST",
        "Lambda event: {}",
        f"END RequestId: {REQUEST}",
        f"REPORT RequestId: {REQUEST}\tDuration: 2.19 ms\tBilled Duration: 3 ms\t",
    ]
    return [
        {"timestamp": at_ms + i, "message": text, "ingestionTime": at_ms + i}
        for i, text in enumerate(texts)
    ]


def _filtered(at_ms: int) -> dict[str, Any]:
    events = [
        {**e, "logStreamName": STREAM, "eventId": str(i)} for i, e in enumerate(_lines(at_ms))
    ]
    return {"events": events, "searchedLogStreams": []}


@pytest.fixture
def logs_client() -> Any:
    return boto3.client(
        "logs", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x"
    )


def _throttle(stub: Stubber, times: int, code: str = "ThrottlingException") -> None:
    for _ in range(times):
        stub.add_client_error(
            "filter_log_events",
            service_error_code=code,
            service_message="Rate exceeded",
            http_status_code=400,
        )


def _stream_pages(stub: Stubber, at_ms: int) -> None:
    # AWS repeats the caller's token at the end of a stream.
    stub.add_response("get_log_events", {"events": _lines(at_ms), "nextForwardToken": "f/1"})
    stub.add_response("get_log_events", {"events": [], "nextForwardToken": "f/1"})


def test_our_throttle_codes_cover_botocores() -> None:
    # A botocore upgrade that knows a new throttle code fails here, not on an account.
    assert set(ThrottledRetryableChecker._THROTTLED_ERROR_CODES) <= THROTTLE_CODES


@pytest.mark.parametrize("code", ["ThrottlingException", "RateExceeded", "Throttling"])
def test_a_throttled_read_is_retried_with_jittered_backoff(logs_client, code) -> None:
    slept: list[float] = []
    reader = LogReader(
        logs_client, throttle_waits_s=(1.0, 2.0, 4.0), sleep=slept.append, rng=random.Random(7)
    )
    now = int(time.time() * 1000)
    with Stubber(logs_client) as stub:
        _throttle(stub, 3, code)
        stub.add_response("filter_log_events", _filtered(now))
        events = reader.events(GROUP, start_ms=now - 1000)
        stub.assert_no_pending_responses()

    assert [e.message.split(" ")[0] for e in events] == ["START", "Lambda", "END", "REPORT"]
    assert reader.throttled == 3
    assert len(slept) == 3
    for wait, nominal in zip(slept, (1.0, 2.0, 4.0)):
        assert nominal / 2 <= wait <= nominal


def test_still_throttled_after_every_retry_is_a_client_error_that_says_so(logs_client) -> None:
    reader = LogReader(logs_client, throttle_waits_s=(0.0, 0.0), sleep=lambda _: None)
    with Stubber(logs_client) as stub:
        _throttle(stub, 3)
        with pytest.raises(LogsThrottled) as caught:
            reader.events(GROUP)
    assert isinstance(caught.value, ClientError) and is_throttle(caught.value)
    assert caught.value.tries == 3
    assert "throttled 3 times in a row" in str(caught.value)


def test_other_errors_are_not_retried(logs_client) -> None:
    reader = LogReader(logs_client, sleep=lambda _: pytest.fail("slept on a non-throttle"))
    with Stubber(logs_client) as stub:
        stub.add_client_error("filter_log_events", service_error_code="AccessDeniedException")
        with pytest.raises(ClientError) as caught:
            reader.events(GROUP)
    assert not is_throttle(caught.value)
    assert reader.throttled == 0


def test_a_wait_for_attempts_survives_more_throttles_than_one_read_retries(logs_client) -> None:
    now = int(time.time() * 1000)
    target = SimpleNamespace(logs=logs_client)
    facts = FunctionFacts(target)  # type: ignore[arg-type]
    facts._groups["fn"] = GROUP
    logs = Logs(target, Deadlines(time_scale=1.0, on_aws=False), facts)  # type: ignore[arg-type]
    logs.reader = LogReader(logs_client, throttle_waits_s=(0.0, 0.0), sleep=lambda _: None)
    invocation = SimpleNamespace(function_name="fn", request_id=REQUEST, invoked_at=now / 1000)

    with Stubber(logs_client) as stub:
        _throttle(stub, 5)  # the first poll gives up after 3, the second gets through
        stub.add_response("filter_log_events", _filtered(now))
        _stream_pages(stub, now)
        (attempt,) = logs.attempts(invocation, count=1, timeout_s=30)  # type: ignore[arg-type]
        stub.assert_no_pending_responses()

    assert attempt.ended and not attempt.failed
    assert logs.reader.throttled == 5


def test_a_wait_that_times_out_while_throttled_says_so(logs_client) -> None:
    target = SimpleNamespace(logs=logs_client)
    facts = FunctionFacts(target)  # type: ignore[arg-type]
    facts._groups["fn"] = GROUP
    logs = Logs(target, Deadlines(time_scale=1.0, on_aws=False), facts)  # type: ignore[arg-type]
    logs.reader = LogReader(logs_client, throttle_waits_s=(), sleep=lambda _: None)
    invocation = SimpleNamespace(function_name="fn", request_id=REQUEST, invoked_at=time.time())
    with Stubber(logs_client) as stub:
        _throttle(stub, 5)
        with pytest.raises(TimeoutError) as caught:
            logs.attempts(invocation, count=1, timeout_s=0.5)  # type: ignore[arg-type]
    assert "were throttled meanwhile: FilterLogEvents allows 5 per second" in str(caught.value)


def test_aws_like_targets_poll_less_often_and_retry_longer() -> None:
    plain = Deadlines(time_scale=0.01, on_aws=False)
    aws_profile = Deadlines(time_scale=0.01, on_aws=False, aws_like=True)
    on_aws = Deadlines(time_scale=1.0, on_aws=True)
    assert plain.kind is timing.PLAIN
    assert aws_profile.kind is timing.AWS_LIKE and on_aws.kind is timing.AWS_LIKE
    # 5 TPS per account and region, shared: one poll per waiting test every 2 s leaves room.
    assert plain.log_poll == 1.0 and on_aws.log_poll == aws_profile.log_poll == 2.0
    assert sum(timing.AWS_LIKE.throttle_waits_s) > sum(timing.PLAIN.throttle_waits_s)


def test_bursts_of_reads_never_raise_on_the_sessions_emulator(aws, deploy) -> None:
    # On the plain emulator nothing throttles; on one with the aws profile (5 TPS) this burst
    # is throttled and must still read everything.
    fn = deploy(SUCCEEDING, retries=0)
    invocation = invoke_async(aws.client("lambda"), fn.name, {"key1": "v"})
    reader = LogReader(aws.client("logs"), throttle_waits_s=timing.AWS_LIKE.throttle_waits_s)
    group = f"/aws/lambda/{fn.name}"
    deadline = time.monotonic() + 15
    while not reader.attempts(group, invocation.request_id):
        assert time.monotonic() < deadline, "the attempt never logged"
        time.sleep(0.1)
    for _ in range(15):
        assert reader.attempts(group, invocation.request_id)


@pytest.mark.parametrize("aws_like", [False, True], ids=["plain", "aws-like"])
def test_a_client_clock_ten_seconds_ahead_still_finds_attempt_one(aws, deploy, aws_like) -> None:
    fn = deploy(SUCCEEDING, retries=0)
    c = clients(Target("local", "us-east-1", aws.endpoint_url))
    deadlines = Deadlines(time_scale=0.01, on_aws=False, aws_like=aws_like)
    logs = Logs(c, deadlines, FunctionFacts(c))
    invocation = invoke_async(c.lambda_, fn.name, {"key1": "v"})
    # Our clock 10 s ahead of the service's: the invoke looks 10 s later than its log lines.
    ahead = dataclasses.replace(invocation, invoked_at=invocation.invoked_at + 10)

    (attempt,) = logs.attempts(ahead, count=1, timeout_s=10)
    assert attempt.start_ms < ahead.invoked_at * 1000 - 9000
    timeline = build_timeline(logs.reader, f"/aws/lambda/{fn.name}", ahead)
    assert [a.start_ms for a in timeline.attempts] == [attempt.start_ms]
