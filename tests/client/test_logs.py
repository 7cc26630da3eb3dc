"""LogReader against the in-process emulator: attempts as Lambda logs them (docs/aws-behaviour.md,
CloudWatch Logs); and the\nfixtures' wait for them."""

from __future__ import annotations

import time
import uuid
from typing import Any

import pytest

from asyncdlq.client.clients import clients
from asyncdlq.client.deadlines import Deadlines
from asyncdlq.client.invoker import invoke_async
from asyncdlq.client.logs import LogReader, log_group_of, parse_report
from asyncdlq.client.messages import MessageReader
from asyncdlq.harness.session_helpers import FunctionFacts, Logs
from asyncdlq.target import Target
from tests.emulator.conftest import FAILING, SUCCEEDING

SLEEPS = """
import time
def lambda_handler(event, context):
    print("going to sleep")
    time.sleep(5)
"""

LOGS_AN_ERROR = """
import logging
logging.getLogger().setLevel(logging.INFO)
def lambda_handler(event, context):
    logging.error("handled it")
    return "ok"
"""


@pytest.fixture
def reader(aws: Any) -> LogReader:
    return LogReader(aws.client("logs"))


def _wait_attempts(reader: LogReader, group: str, request_id: str, n: int) -> list[Any]:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        attempts = reader.attempts(group, request_id)
        if len(attempts) >= n and all(a.ended for a in attempts):
            return attempts
        time.sleep(0.1)
    raise AssertionError(f"{n} finished attempt(s) of {request_id} not logged in 15 s")


def test_failed_attempts_each_with_their_lines_error_and_report(aws, deploy, reader) -> None:
    fn = deploy(FAILING, retries=2)
    invocation = invoke_async(aws.client("lambda"), fn.name, b'{"key1": "value1"}')
    MessageReader(aws.client("sqs"), progress=lambda _: None).wait_for(
        fn.queue_url, request_id=invocation.request_id, timeout_s=20
    )
    group = f"/aws/lambda/{fn.name}"

    attempts = reader.attempts(group, invocation.request_id)

    assert [a.number for a in attempts] == [1, 2, 3]
    assert len({a.stream for a in attempts}) == 1  # retries reuse the warm environment
    for attempt in attempts:
        assert attempt.failed and attempt.ended
        assert attempt.error == "Exception: Something went wrong"
        assert attempt.lines[0] == f"START RequestId: {invocation.request_id} Version: $LATEST"
        assert attempt.lines[-1].startswith(f"REPORT RequestId: {invocation.request_id}\t")
        assert attempt.output[0] == "Lambda event: {'key1': 'value1'}"
        assert attempt.output[1].startswith("[ERROR] Exception: Something went wrong\nTraceback")
        assert attempt.report["Duration"].endswith(" ms")
        assert attempt.start_ms <= attempt.end_ms  # type: ignore[operator]
    assert attempts[0].end_ms < attempts[1].start_ms < attempts[2].start_ms  # type: ignore[operator]
    assert reader.lines(group, invocation.request_id) == [
        line for a in attempts for line in a.lines
    ]


def test_each_request_gets_only_its_own_lines(aws, deploy, reader) -> None:
    fn = deploy(SUCCEEDING, retries=0)
    lam = aws.client("lambda")
    first = invoke_async(lam, fn.name, {"key1": "first"})
    second = invoke_async(lam, fn.name, {"key1": "second"})
    group = f"/aws/lambda/{fn.name}"

    (one,) = _wait_attempts(reader, group, first.request_id, 1)
    (two,) = _wait_attempts(reader, group, second.request_id, 1)

    assert one.output == ["Lambda event: {'key1': 'first'}"]
    assert two.output == ["Lambda event: {'key1': 'second'}"]
    assert not one.failed and one.error is None


def test_a_timeout_is_a_failed_attempt(aws, deploy, reader) -> None:
    fn = deploy(SLEEPS, retries=0, timeout=1)
    invocation = invoke_async(aws.client("lambda"), fn.name, b"{}")

    (attempt,) = _wait_attempts(reader, f"/aws/lambda/{fn.name}", invocation.request_id, 1)

    assert attempt.report["Status"] == "timeout"
    assert attempt.failed
    assert attempt.error == "Sandbox.Timedout: Task timed out after 1.00 seconds"


def test_logging_error_is_not_the_functions_failure(aws, deploy, reader) -> None:
    fn = deploy(LOGS_AN_ERROR, retries=0)
    invocation = invoke_async(aws.client("lambda"), fn.name, b"{}")

    (attempt,) = _wait_attempts(reader, f"/aws/lambda/{fn.name}", invocation.request_id, 1)

    assert any(line.startswith("[ERROR]\t") for line in attempt.output)
    assert attempt.error is None and not attempt.failed


def test_missing_group_reads_as_nothing(reader) -> None:
    assert reader.attempts("/aws/lambda/never-created", "r") == []
    assert reader.lines("/aws/lambda/never-created", "r") == []
    assert list(reader.tail("/aws/lambda/never-created", 0)) == []


def test_tail_and_follow(aws, reader) -> None:
    logs = aws.client("logs")
    group = f"/test/tail-{uuid.uuid4().hex[:6]}"
    logs.create_log_group(logGroupName=group)
    logs.create_log_stream(logGroupName=group, logStreamName="s")
    now = int(time.time() * 1000)

    def put(*messages: str, at: int) -> None:
        events = [{"timestamp": at, "message": m} for m in messages]
        logs.put_log_events(logGroupName=group, logStreamName="s", logEvents=events)

    put("too old", at=now - 60_000)
    put("one", "two", at=now)
    assert [e.message for e in reader.tail(group, now - 1000)] == ["one", "two"]

    later = iter([lambda: put("three", at=now), lambda: put("four", at=now + 5)])
    followed = reader.tail(group, now - 1000, follow=True, sleep=lambda _: next(later)())
    seen = [next(followed).message for _ in range(4)]
    assert seen == ["one", "two", "three", "four"]  # each once, same-millisecond ones too


def test_log_group_of_reads_the_logging_config(aws, deploy) -> None:
    fn = deploy(SUCCEEDING)
    lam = aws.client("lambda")
    assert log_group_of(lam, fn.name) == f"/aws/lambda/{fn.name}"
    custom = f"/custom/{fn.name}"
    aws.client("logs").create_log_group(logGroupName=custom)
    lam.update_function_configuration(
        FunctionName=fn.name, LoggingConfig={"LogFormat": "Text", "LogGroup": custom}
    )
    assert log_group_of(lam, fn.name) == custom


def test_waiting_for_attempts_returns_them_or_names_what_was_seen(aws, deploy) -> None:
    fn = deploy(SUCCEEDING, retries=0)
    c = clients(Target("local", "us-east-1", aws.endpoint_url))
    logs = Logs(c, Deadlines(time_scale=0.01, on_aws=False), FunctionFacts(c))
    invocation = invoke_async(c.lambda_, fn.name, {"key1": "v"})

    (attempt,) = logs.attempts(invocation, count=1, timeout_s=10)
    assert [line.split(" ")[0] for line in attempt.lines] == ["START", "Lambda", "END", "REPORT"]

    with pytest.raises(TimeoutError) as caught:
        logs.attempts(invocation, count=2, timeout_s=1)
    text = str(caught.value)
    assert text.startswith(
        f"2 ended attempt(s) of request {invocation.request_id} did not show in "
        f"/aws/lambda/{fn.name}; 1 seen:\n"
    )
    assert f"  START RequestId: {invocation.request_id} Version: $LATEST" in text


def test_parse_report() -> None:
    line = "REPORT RequestId: r\tDuration: 3000.00 ms\tBilled Duration: 3000 ms\tStatus: timeout\t"
    assert parse_report(line) == {
        "Duration": "3000.00 ms",
        "Billed Duration": "3000 ms",
        "Status": "timeout",
    }


# awslambdaric's warning before an unhandled error (docs/aws-behaviour.md, LAMBDA_WARNING line).
WARNING_TEXT = (
    "LAMBDA_WARNING: Unhandled exception. The most likely cause is an issue in the function code. "
    "However, in rare cases, a Lambda runtime update can cause unexpected function behavior. For "
    "more information, see https://docs.aws.amazon.com/lambda/latest/dg/runtimes-update.html"
)
TRACE = "[ERROR] Exception: Something went wrong\rTraceback (most recent call last):\r  File x"


def _put_attempt(aws: Any, middle: list[str]) -> tuple[str, str]:
    """One attempt's lines as Lambda writes them, ``middle`` between START and END."""
    logs = aws.client("logs")
    group, request_id = f"/aws/lambda/warn-{uuid.uuid4().hex[:6]}", str(uuid.uuid4())
    logs.create_log_group(logGroupName=group)
    logs.create_log_stream(logGroupName=group, logStreamName="s")
    lines = [
        f"START RequestId: {request_id} Version: $LATEST",
        *middle,
        f"END RequestId: {request_id}",
        f"REPORT RequestId: {request_id}\tDuration: 2.19 ms\tBilled Duration: 3 ms\t",
    ]
    now = int(time.time() * 1000)
    events = [{"timestamp": now + i, "message": line} for i, line in enumerate(lines)]
    logs.put_log_events(logGroupName=group, logStreamName="s", logEvents=events)
    return group, request_id


@pytest.mark.parametrize(
    "middle",
    [
        # logging.warning's Text format (awslambdaric 2.0.10+ via logging, 3.1+ for init errors)
        [f"[WARNING]\t2026-01-01T00:00:00.000Z\tsome-id\t{WARNING_TEXT}", TRACE],
        [f"[WARNING]\t2026-01-01T00:00:00.000Z\t\t{WARNING_TEXT}", TRACE],
        # the raw text, its own event, ending in \r
        [WARNING_TEXT + "\r", TRACE],
        # CloudWatch merging the warning and the error into one event
        [WARNING_TEXT + "\r" + TRACE],
        [f"[WARNING]\t2026-01-01T00:00:00.000Z\t\t{WARNING_TEXT}\n{TRACE}"],
    ],
    ids=["logging", "logging-no-id", "raw", "merged", "merged-logging"],
)
def test_the_lambda_warning_is_not_the_error(aws, reader, middle) -> None:
    group, request_id = _put_attempt(aws, ["Lambda event: {}", *middle])

    (attempt,) = reader.attempts(group, request_id)

    assert attempt.failed
    assert attempt.error == "Exception: Something went wrong"


def test_a_lambda_warning_alone_is_no_error(aws, reader) -> None:
    group, request_id = _put_attempt(
        aws, [f"[WARNING]\t2026-01-01T00:00:00.000Z\t\t{WARNING_TEXT}"]
    )
    (attempt,) = reader.attempts(group, request_id)
    assert attempt.error is None and not attempt.failed


def test_an_init_error_after_the_emulators_lambda_warning(aws, deploy, reader) -> None:
    fn = deploy(
        "import nope_missing_module\ndef lambda_handler(event, context):\n    pass\n", retries=0
    )
    invocation = invoke_async(aws.client("lambda"), fn.name, b"{}")

    attempt = _wait_attempts(reader, f"/aws/lambda/{fn.name}", invocation.request_id, 1)[0]

    # The environment's init may log before or after START (the emulator races them, as an
    # init phase does); either way the warning is never the error.
    assert attempt.failed and attempt.error is not None
    assert attempt.error.startswith("Runtime.ImportModuleError")
    assert "LAMBDA_WARNING" not in attempt.error
