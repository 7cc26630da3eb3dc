"""MessageReader against the in-process emulator: real dead letters, records and SNS envelopes."""

from __future__ import annotations

import hashlib
import json
import threading
import time
import uuid
from typing import Any

import pytest

from asyncdlq import progress
from asyncdlq.client import messages
from asyncdlq.client.invoker import invoke_async
from asyncdlq.client.messages import MessageReader, MessageTimeout
from tests.emulator.conftest import FAILING, SUCCEEDING


def _queue(sqs: Any, name: str | None = None) -> tuple[str, str]:
    url = sqs.create_queue(QueueName=name or f"q-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]
    return url, arn["QueueArn"]


def _counts(sqs: Any, url: str) -> tuple[int, int]:
    """(visible, in flight) messages of the queue."""
    attrs = sqs.get_queue_attributes(
        QueueUrl=url,
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return (
        int(attrs["ApproximateNumberOfMessages"]),
        int(attrs["ApproximateNumberOfMessagesNotVisible"]),
    )


def _send_other(sqs: Any, url: str, request_id: str, body: str = '{"other": true}') -> None:
    sqs.send_message(
        QueueUrl=url,
        MessageBody=body,
        MessageAttributes={"RequestID": {"DataType": "String", "StringValue": request_id}},
    )


def _topic_to_queue(aws: Any) -> tuple[str, str]:
    """An SNS topic and the URL of an SQS queue subscribed to it (raw delivery off)."""
    sns, sqs = aws.client("sns"), aws.client("sqs")
    topic = sns.create_topic(Name=f"t-{uuid.uuid4().hex[:8]}")["TopicArn"]
    url, arn = _queue(sqs)
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)
    return topic, url


@pytest.fixture
def sqs(aws: Any) -> Any:
    return aws.client("sqs")


@pytest.fixture
def lines() -> list[str]:
    return []


@pytest.fixture
def reader(sqs: Any, lines: list[str]) -> MessageReader:
    return MessageReader(sqs, progress=lines.append)


def test_request_id_match_takes_only_its_dead_letter(aws, deploy, sqs, reader, lines) -> None:
    fn = deploy(FAILING, retries=0)
    _send_other(sqs, fn.queue_url, "someone-elses-request")
    payload = b'{"raise_error": 1}'
    invocation = invoke_async(aws.client("lambda"), fn.name, payload)
    _send_other(sqs, fn.queue_url, "another-request")

    match = reader.wait_for(fn.queue_url, request_id=invocation.request_id, timeout_s=15)

    (message,) = match.messages
    assert match.duplicates == []
    assert message.kind == "dead letter"
    assert message.request_id == invocation.request_id
    # docs/aws-behaviour.md, Dead-letter queues: the body is the sent bytes
    assert message.payload_text == payload.decode()
    assert message.md5_of_body == hashlib.md5(payload).hexdigest()
    assert message.lambda_attributes == {
        "RequestID": invocation.request_id,
        "ErrorCode": "200",
        "ErrorMessage": "Something went wrong",
    }
    assert message.message_attributes["ErrorCode"] == {"DataType": "Number", "StringValue": "200"}
    assert message.sent_at is not None and abs(message.sent_at - time.time()) < 30
    assert message.record is None and message.sns is None
    assert any("dead letter for request id" in line for line in lines)
    # The other two are still there and visible at once to whoever shares the queue.
    assert _counts(sqs, fn.queue_url) == (2, 0)
    left = {m.request_id for m in reader.peek(fn.queue_url)}
    assert left == {"someone-elses-request", "another-request"}


def test_correlation_id_match_among_the_same_functions_dead_letters(aws, deploy, reader) -> None:
    fn = deploy(FAILING, retries=0)
    lam = aws.client("lambda")
    first = invoke_async(lam, fn.name, {"order": "corr-aaa"}, correlation_id="corr-aaa")
    second = invoke_async(lam, fn.name, {"order": "corr-bbb"}, correlation_id="corr-bbb")

    match = reader.wait_for(fn.queue_url, correlation_id="corr-bbb", timeout_s=15)

    assert [m.request_id for m in match.messages] == [second.request_id]
    assert match.messages[0].payload_text == '{"order": "corr-bbb"}'
    rest = reader.wait_for(fn.queue_url, correlation_id="corr-aaa", timeout_s=15)
    assert [m.request_id for m in rest.messages] == [first.request_id]


def test_later_deliveries_are_reported_as_duplicates(aws, deploy, sqs, reader, lines) -> None:
    fn = deploy(FAILING, retries=0)
    invocation = invoke_async(aws.client("lambda"), fn.name, b'{"n": 1}')
    original = reader.wait_for(fn.queue_url, request_id=invocation.request_id, timeout_s=15)
    dead = original.messages[0]

    def deliver_again() -> None:
        # Lambda delivers at least once: the same dead letter again, as a new SQS message.
        sqs.send_message(
            QueueUrl=fn.queue_url, MessageBody=dead.body, MessageAttributes=dead.message_attributes
        )

    deliver_again()
    deliver_again()
    _send_other(sqs, fn.queue_url, "not-a-duplicate")
    late = threading.Timer(0.4, deliver_again)  # arrives after the match, within the window
    late.start()

    match = reader.wait_for(
        fn.queue_url, request_id=invocation.request_id, timeout_s=5, duplicate_window_s=1.5
    )
    late.join()

    assert len(match.messages) == 1 and len(match.duplicates) == 2
    assert {m.request_id for m in match.duplicates} == {invocation.request_id}
    ids = {m.message_id for m in match.messages + match.duplicates}
    assert len(ids) == 3
    warnings = [line for line in lines if "duplicate" in line]
    assert warnings[0] == (
        f"WARNING: duplicate dead letter for request id {invocation.request_id} on "
        f"{messages.queue_name_of(fn.queue_url)} (message {match.duplicates[0].message_id}): "
        "Lambda delivers at least once"
    )
    assert len(warnings) == 2
    assert _counts(sqs, fn.queue_url) == (1, 0)  # only the other one is left


def test_sns_dead_letter_is_unwrapped(aws, deploy, reader) -> None:
    topic, subscriber = _topic_to_queue(aws)
    fn = deploy(FAILING, retries=0)
    lam = aws.client("lambda")
    lam.update_function_configuration(FunctionName=fn.name, DeadLetterConfig={"TargetArn": topic})
    payload = b'{"key1": "value1"}'
    invocation = invoke_async(lam, fn.name, payload)

    (message,) = reader.wait_for(
        subscriber, request_id=invocation.request_id, timeout_s=15
    ).messages

    assert message.sns is not None and message.sns["TopicArn"] == topic
    assert message.kind == "dead letter"
    assert message.payload_text == payload.decode()
    assert message.message_attributes == {}  # SNS keeps them in the envelope
    assert message.lambda_attributes == {
        "RequestID": invocation.request_id,
        "ErrorCode": "200",
        "ErrorMessage": "Something went wrong",
    }


def test_destination_record_on_sqs_matches_by_correlation_id(aws, deploy, sqs, reader) -> None:
    fn = deploy(SUCCEEDING, retries=0)
    url, arn = _queue(sqs)
    lam = aws.client("lambda")
    lam.put_function_event_invoke_config(
        FunctionName=fn.name,
        MaximumRetryAttempts=0,
        DestinationConfig={"OnSuccess": {"Destination": arn}},
    )
    invocation = invoke_async(lam, fn.name, {"key1": "corr-dest-1"}, correlation_id="corr-dest-1")

    (message,) = reader.wait_for(url, correlation_id="corr-dest-1", timeout_s=15).messages

    assert message.kind == "destination record"
    assert message.request_id == invocation.request_id
    assert message.payload_text == json.dumps({"key1": "corr-dest-1"})
    assert message.record is not None
    assert message.record["requestContext"]["condition"] == "Success"
    assert message.record["responsePayload"] == "corr-dest-1"
    # docs/aws-behaviour.md, Destinations and dead-letter targets: SQS records carry none
    assert message.message_attributes == {}


def test_destination_record_through_sns(aws, deploy, reader) -> None:
    topic, subscriber = _topic_to_queue(aws)
    fn = deploy(FAILING, retries=0)
    lam = aws.client("lambda")
    lam.put_function_event_invoke_config(
        FunctionName=fn.name,
        MaximumRetryAttempts=0,
        DestinationConfig={"OnFailure": {"Destination": topic}},
    )
    invocation = invoke_async(lam, fn.name, b'{"key1": "x"}')

    (message,) = reader.wait_for(
        subscriber, request_id=invocation.request_id, timeout_s=15
    ).messages

    assert message.sns is not None and message.record is not None
    assert message.kind == "destination record"
    assert message.record["requestContext"]["condition"] == "RetriesExhausted"
    assert message.payload_text == '{"key1": "x"}'


def test_timeout_names_queue_match_count_wait_and_others(sqs, reader) -> None:
    url, _ = _queue(sqs)
    _send_other(sqs, url, "other-request")
    started = time.monotonic()

    with pytest.raises(MessageTimeout) as caught:
        reader.wait_for(url, request_id="absent-request", timeout_s=1.5)

    waited = time.monotonic() - started
    assert 1.5 <= waited < 4
    text = str(caught.value)
    assert isinstance(caught.value, TimeoutError)
    assert f"0 of 1 message(s) for request id absent-request arrived on {url.rsplit('/')[-1]}" in (
        text
    )
    assert "(timeout 1.5s)" in text and "after waiting 1." in text
    assert "1 other message(s) seen there and left" in text
    assert _counts(sqs, url) == (1, 0)


def test_count_collects_that_many_of_the_requests_messages_and_deletes_them(sqs, reader) -> None:
    url, _ = _queue(sqs)
    for n in range(2):
        sqs.send_message(
            QueueUrl=url,
            MessageBody=f'{{"n": {n}}}',
            MessageAttributes={
                "RequestID": {"DataType": "String", "StringValue": "req-2"},
                "ErrorCode": {"DataType": "Number", "StringValue": "200"},
            },
        )

    match = reader.wait_for(url, request_id="req-2", count=2, timeout_s=10)

    assert sorted(m.body for m in match.messages) == ['{"n": 0}', '{"n": 1}']
    assert match.duplicates == []
    for message in match.messages:
        assert message.lambda_attributes == {"RequestID": "req-2", "ErrorCode": "200"}
        assert "SentTimestamp" in message.attributes and message.sent_at is not None
    assert _counts(sqs, url) == (0, 0)


def test_a_long_wait_reports_progress(sqs, lines, monkeypatch: pytest.MonkeyPatch) -> None:
    # Heartbeat lines go to the reader's progress wherever no status line can be drawn (CI, a
    # pipe); a plain callable writer makes that so whatever this test's output is attached to.
    monkeypatch.setattr(progress, "HEARTBEAT_S", 0.5)
    previous = progress.set_writer(lambda _: None)
    try:
        url, _ = _queue(sqs)
        with pytest.raises(MessageTimeout):
            MessageReader(sqs, progress=lines.append).wait_for(url, request_id="r", timeout_s=2.5)
    finally:
        progress.set_writer(previous)
    assert lines, "no progress line while waiting"
    assert lines[0].startswith(
        f"waiting for a message for request id r on {messages.queue_name_of(url)} ("
    )


def test_on_tick_runs_while_waiting(sqs, reader, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(messages, "TICK_S", 0.3)
    url, _ = _queue(sqs)
    ticks: list[float] = []
    with pytest.raises(TimeoutError):
        reader.wait_for(url, request_id="r", timeout_s=1.6, on_tick=lambda: ticks.append(1))
    assert len(ticks) >= 2


def test_peek_sees_past_ten_and_leaves_everything(sqs, reader) -> None:
    url, _ = _queue(sqs)
    for i in range(13):
        _send_other(sqs, url, f"req-{i}")
    peeked = reader.peek(url, max_messages=20)
    assert sorted(m.request_id for m in peeked) == sorted(f"req-{i}" for i in range(13))
    assert _counts(sqs, url) == (13, 0)
    assert len(reader.peek(url)) == 10


def test_wait_for_needs_something_to_match(sqs, reader) -> None:
    with pytest.raises(ValueError, match="request_id or a correlation_id"):
        reader.wait_for("http://unused/123456789012/q", timeout_s=1)
