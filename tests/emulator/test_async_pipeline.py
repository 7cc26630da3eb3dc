"""Attempts, retry timing, event age and DLQ delivery (docs/aws-behaviour.md, Retry timing and event
age; Dead-letter queues; CloudWatch Logs)."""

from __future__ import annotations

import hashlib
import json
import re
import time
from typing import Any

import pytest

from .conftest import FAILING, SUCCEEDING, TIME_SCALE
from .helpers import dlq_messages, invoke_event, log_events, wait_outcome


def _starts(aws, name: str, request_id: str) -> list[dict[str, Any]]:
    return [
        e
        for e in log_events(aws, name)
        if e["message"] == f"START RequestId: {request_id} Version: $LATEST"
    ]


def test_failed_event_lands_in_the_dlq_exactly_as_aws_sends_it(aws, emulator, deploy) -> None:
    fn = deploy(FAILING)
    payload = b'{"raise_error": 1}'  # the space must survive: the body is the sent bytes
    request_id = invoke_event(aws, fn.name, payload)

    (message,) = dlq_messages(aws, fn.queue_url, 1)
    assert message["Body"].encode() == payload
    assert message["MD5OfBody"] == hashlib.md5(payload).hexdigest()
    assert message["MessageAttributes"] == {
        "RequestID": {"StringValue": request_id, "DataType": "String"},
        "ErrorCode": {"StringValue": "200", "DataType": "Number"},
        "ErrorMessage": {"StringValue": "Something went wrong", "DataType": "String"},
    }
    assert dlq_messages(aws, fn.queue_url, 1, timeout_s=1) == []  # exactly one message


@pytest.mark.parametrize(("retries", "attempts"), [(0, 1), (1, 2), (2, 3)])
def test_attempts_follow_maximum_retry_attempts(aws, emulator, deploy, retries, attempts) -> None:
    fn = deploy(FAILING, retries=retries)
    request_id = invoke_event(aws, fn.name, b'{"key1": "value1"}')
    event = wait_outcome(emulator, request_id)
    assert event.outcome == "RetriesExhausted"
    assert len(_starts(aws, fn.name, request_id)) == attempts
    assert len(dlq_messages(aws, fn.queue_url, 1)) == 1


def test_retries_wait_60_then_120_seconds_after_the_previous_attempt_ends(aws, emulator, deploy):
    fn = deploy(FAILING)
    request_id = invoke_event(aws, fn.name, b"{}")
    event = wait_outcome(emulator, request_id)
    first, second, third = event.attempts
    gap1 = (second.started_at - first.ended_at) / TIME_SCALE
    gap2 = (third.started_at - second.ended_at) / TIME_SCALE
    assert 60 <= gap1 < 60 + 15, gap1  # scheduling slack, in AWS seconds
    assert 120 <= gap2 < 120 + 15, gap2


def test_every_attempt_logs_the_202_request_id_in_one_warm_stream(aws, emulator, deploy) -> None:
    fn = deploy(FAILING)
    request_id = invoke_event(aws, fn.name, b'{"key1": "value1"}')
    wait_outcome(emulator, request_id)
    events = log_events(aws, fn.name)
    starts = [e for e in events if e["message"].startswith("START ")]
    assert [e["message"] for e in starts] == [f"START RequestId: {request_id} Version: $LATEST"] * 3
    assert len({e["stream"] for e in events}) == 1
    assert re.fullmatch(r"\d{4}/\d{2}/\d{2}/\[\$LATEST\][0-9a-f]{32}", events[0]["stream"])
    messages = [e["message"] for e in events]
    assert messages.count("Lambda event: {'key1': 'value1'}") == 3
    assert messages.count(f"END RequestId: {request_id}") == 3
    reports = [m for m in messages if m.startswith("REPORT ")]
    assert len(reports) == 3
    report = re.compile(
        rf"REPORT RequestId: {request_id}\tDuration: \d+\.\d\d ms\tBilled Duration: \d+ ms"
        r"\tMemory Size: 128 MB\tMax Memory Used: \d+ MB\t(Init Duration: \d+\.\d\d ms\t)?"
    )
    assert all(report.fullmatch(m) for m in reports), reports
    assert "Init Duration" in reports[0] and all("Init Duration" not in r for r in reports[1:])
    error_event = next(m for m in messages if m.startswith("[ERROR]"))
    assert error_event == (
        "[ERROR] Exception: Something went wrong\nTraceback (most recent call last):\n"
        '\u00a0\u00a0File "/var/task/handler.py", line 4, in lambda_handler\n'
        '\u00a0\u00a0\u00a0\u00a0raise Exception("Something went wrong")'
    )


@pytest.mark.parametrize(("max_age", "attempts"), [(60, 1), (90, 2)])
def test_event_age_is_checked_before_scheduling_a_retry(aws, emulator, deploy, max_age, attempts):
    fn = deploy(FAILING, retries=2, max_age=max_age)
    request_id = invoke_event(aws, fn.name, b"{}")
    event = wait_outcome(emulator, request_id)
    assert event.outcome == "EventAgeExceeded"
    assert len(event.attempts) == attempts
    (message,) = dlq_messages(aws, fn.queue_url, 1)
    assert message["MessageAttributes"]["RequestID"]["StringValue"] == request_id


def test_success_runs_once_and_sends_nothing_to_the_dlq(aws, emulator, deploy) -> None:
    fn = deploy(SUCCEEDING)
    request_id = invoke_event(aws, fn.name, b'{"key1": "value1"}')
    event = wait_outcome(emulator, request_id)
    assert event.outcome == "Success" and len(event.attempts) == 1
    assert dlq_messages(aws, fn.queue_url, 1, timeout_s=1) == []


def test_timeout_is_a_failed_attempt_with_status_timeout(aws, emulator, deploy) -> None:
    fn = deploy(
        "import time\ndef lambda_handler(event, context):\n    time.sleep(5)\n",
        retries=0,
        timeout=1,
    )
    request_id = invoke_event(aws, fn.name, b"{}")
    event = wait_outcome(emulator, request_id)
    assert event.attempts[0].error_type == "Sandbox.Timedout"
    (message,) = dlq_messages(aws, fn.queue_url, 1)
    assert message["MessageAttributes"]["ErrorMessage"]["StringValue"] == (
        f"RequestId: {request_id} Error: Task timed out after 1.00 seconds"
    )
    messages = [e["message"] for e in log_events(aws, fn.name)]
    assert any(m.endswith(f"{request_id} Task timed out after 1.00 seconds") for m in messages)
    assert any(m.startswith("REPORT ") and m.endswith("\tStatus: timeout\t") for m in messages)


def test_queued_events_run_the_code_deployed_when_they_run(aws, emulator, deploy) -> None:
    fn = deploy(FAILING, retries=1)
    request_id = invoke_event(aws, fn.name, b'{"key1": "value1"}')
    lam = aws.client("lambda")
    from .conftest import zip_source

    lam.update_function_code(FunctionName=fn.name, ZipFile=zip_source(SUCCEEDING))
    event = wait_outcome(emulator, request_id)
    assert event.outcome == "Success"


def test_the_handler_sees_the_lambda_context(aws, deploy) -> None:
    fn = deploy(
        """
        import json, os
        def lambda_handler(event, context):
            return {
                "request_id": context.aws_request_id,
                "function_name": context.function_name,
                "memory": context.memory_limit_in_mb,
                "arn": context.invoked_function_arn,
                "remaining_ok": 0 < context.get_remaining_time_in_millis() <= 3000,
                "endpoint": os.environ["AWS_ENDPOINT_URL"],
                "stream": context.log_stream_name,
            }
        """
    )
    response = aws.client("lambda").invoke(FunctionName=fn.name, Payload=b"{}")
    got = json.loads(response["Payload"].read())
    assert got["request_id"] == response["ResponseMetadata"]["RequestId"]
    assert got["function_name"] == fn.name
    assert got["memory"] == "128"
    # A bare name is invoked by the unqualified ARN (test_function_shapes.py cites AWS).
    assert got["arn"] == fn.arn
    assert got["remaining_ok"] is True
    assert got["endpoint"] == aws.endpoint_url
    assert got["stream"].startswith(time.strftime("%Y/%m/%d/[$LATEST]", time.gmtime()))


def test_sns_dead_letter_gets_the_payload_and_the_attributes_in_sns_form(aws, emulator, deploy):
    fn = deploy(FAILING, retries=0)
    sns, sqs, lam = aws.client("sns"), aws.client("sqs"), aws.client("lambda")
    topic = sns.create_topic(Name=f"{fn.name}-topic")["TopicArn"]
    sink_url = sqs.create_queue(QueueName=f"{fn.name}-sink")["QueueUrl"]
    sink_arn = sqs.get_queue_attributes(QueueUrl=sink_url, AttributeNames=["QueueArn"])[
        "Attributes"
    ]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=sink_arn)
    lam.update_function_configuration(FunctionName=fn.name, DeadLetterConfig={"TargetArn": topic})
    payload = b'{"raise_error": 1}'
    request_id = invoke_event(aws, fn.name, payload)

    (envelope,) = dlq_messages(aws, sink_url, 1)
    notification = json.loads(envelope["Body"])
    assert notification["Message"] == payload.decode()
    assert "Subject" not in notification or notification["Subject"] in (None, "")
    assert notification["MessageAttributes"] == {
        "RequestID": {"Type": "String", "Value": request_id},
        "ErrorCode": {"Type": "Number", "Value": "200"},
        "ErrorMessage": {"Type": "String", "Value": "Something went wrong"},
    }


def test_an_error_inside_the_emulator_is_retried_then_dead_lettered_never_dropped(
    aws, emulator, deploy, monkeypatch
) -> None:
    import urllib.request
    import zipfile

    from .test_destinations import _queue

    fn = deploy(FAILING)
    url, arn = _queue(aws, f"{fn.name}-failed")
    aws.client("lambda").put_function_event_invoke_config(
        FunctionName=fn.name,
        MaximumEventAgeInSeconds=60,
        DestinationConfig={"OnFailure": {"Destination": arn}},
    )
    pool = emulator.emulator.pool
    real_acquire = pool.acquire

    def acquire(spec, limit=None):
        if spec.function_name == fn.name:  # a worker that cannot start: the emulator's fault
            raise zipfile.BadZipFile("File is not a zip file")
        return real_acquire(spec, limit)

    monkeypatch.setattr(pool, "acquire", acquire)
    payload = b'{"key1": "value1"}'
    request_id = invoke_event(aws, fn.name, payload)
    event = wait_outcome(emulator, request_id)
    assert event.outcome == "EventAgeExceeded" and event.attempts == []
    assert event.system_errors >= 2 and event.last_system_error.startswith("BadZipFile")
    (dead,) = dlq_messages(aws, fn.queue_url, 1)
    assert dead["Body"].encode() == payload
    assert dead["MessageAttributes"]["RequestID"]["StringValue"] == request_id
    record = json.loads(dlq_messages(aws, url, 1)[0]["Body"])
    assert record["requestContext"]["condition"] == "EventAgeExceeded"
    assert record["requestContext"]["approximateInvokeCount"] == 0
    with urllib.request.urlopen(f"{aws.endpoint_url}/_asyncdlq/invocations", timeout=5) as r:
        listed = json.loads(r.read())["invocations"]
    (shown,) = [i for i in listed if i["request_id"] == request_id]
    assert shown["system_errors"] == event.system_errors
    assert shown["last_system_error"] == "BadZipFile: File is not a zip file"
