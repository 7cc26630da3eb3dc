"""Reading queues as AWS needs it: a peek long-polls (an SQS short poll samples only some servers
and may answer nothing while messages wait: docs/aws-behaviour.md, SQS short and long polling),
and a redelivered message (Lambda delivers at least once) is reported, not a failure."""

from __future__ import annotations

import uuid
from typing import Any

import boto3
import pytest
from botocore.stub import ANY, Stubber

from asyncdlq.client import messages
from asyncdlq.client.invoker import invoke_async
from asyncdlq.client.messages import Match, MessageReader, ReceivedMessage
from tests.emulator.conftest import FAILING, ShortPollsMiss

URL = "https://sqs.us-east-1.amazonaws.com/123456789012/q"


def _raw(message_id: str, request_id: str, body: str = '{"n": 1}') -> dict[str, Any]:
    return {
        "MessageId": message_id,
        "ReceiptHandle": f"rh-{message_id}",
        "Body": body,
        "Attributes": {"SentTimestamp": "1767225600000"},
        "MessageAttributes": {"RequestID": {"DataType": "String", "StringValue": request_id}},
    }


def _receive(wait_s: int) -> dict[str, Any]:
    return {
        "QueueUrl": URL,
        "MaxNumberOfMessages": ANY,
        "WaitTimeSeconds": wait_s,
        "VisibilityTimeout": messages.HOLD_S,
        "MessageAttributeNames": ["All"],
        "AttributeNames": ["All"],
    }


def test_peek_long_polls_every_receive_and_leaves_the_messages_visible() -> None:
    sqs = boto3.client(
        "sqs", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x"
    )
    assert messages.PEEK_WAIT_S >= 1  # SQS's shortest long poll
    with Stubber(sqs) as stub:
        stub.add_response(
            "receive_message", {"Messages": [_raw("m1", "r1")]}, _receive(messages.PEEK_WAIT_S)
        )
        # The second receive long-polls too: a short poll here could miss what waits.
        stub.add_response("receive_message", {}, _receive(messages.PEEK_WAIT_S))
        stub.add_response(
            "change_message_visibility_batch",
            {"Successful": [{"Id": "0"}], "Failed": []},
            {
                "QueueUrl": URL,
                "Entries": [{"Id": "0", "ReceiptHandle": "rh-m1", "VisibilityTimeout": 0}],
            },
        )
        peeked = MessageReader(sqs, progress=lambda _: None).peek(URL)
        stub.assert_no_pending_responses()
    assert [m.request_id for m in peeked] == ["r1"]


def test_peek_finds_messages_where_every_short_poll_misses(aws) -> None:
    from asyncdlq.emulator import moto_sqs

    if not hasattr(moto_sqs, "add_behaviour"):
        pytest.skip("this emulator's SQS has no short-poll behaviour to switch on")
    sqs = aws.client("sqs")
    url = sqs.create_queue(QueueName=f"peek-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    for i in range(3):
        sqs.send_message(QueueUrl=url, MessageBody=f"m{i}")
    behaviour = ShortPollsMiss()
    moto_sqs.add_behaviour(behaviour)
    try:
        assert sqs.receive_message(QueueUrl=url, WaitTimeSeconds=0).get("Messages") is None
        peeked = MessageReader(sqs, progress=lambda _: None).peek(url)
    finally:
        moto_sqs.remove_behaviour(behaviour)
    assert sorted(m.body for m in peeked) == ["m0", "m1", "m2"]


def _message(message_id: str, request_id: str, body: str = '{"n": 1}') -> ReceivedMessage:
    return ReceivedMessage.from_sqs(_raw(message_id, request_id, body), URL)


def test_a_redelivery_is_a_duplicate_that_needs_no_explaining() -> None:
    first, again = _message("m1", "r1"), _message("m2", "r1")
    assert Match([first], [again]).unexplained_duplicates == []
    # The same request id with another event is not a redelivery.
    changed = _message("m3", "r1", '{"n": 2}')
    assert Match([first], [again, changed]).unexplained_duplicates == [changed]


def test_matched_by_a_triggers_event_a_redelivery_may_carry_its_own_request_id() -> None:
    # A source that delivers twice invokes twice: two request ids, one event.
    first, again = _message("m1", "r1"), _message("m2", "r2")
    assert Match([first], [again], by_event=True).unexplained_duplicates == []
    assert Match([first], [again]).unexplained_duplicates == [again]


def test_wait_for_reports_redeliveries_without_failing(aws, deploy) -> None:

    fn = deploy(FAILING, retries=0)
    sqs = aws.client("sqs")
    said: list[str] = []
    reader = MessageReader(sqs, progress=said.append)
    invocation = invoke_async(aws.client("lambda"), fn.name, b'{"n": 1}')
    dead = reader.wait_for(fn.queue_url, request_id=invocation.request_id, timeout_s=15).messages[0]
    for _ in range(2):  # Lambda delivers at least once: the same dead letter again
        sqs.send_message(
            QueueUrl=fn.queue_url, MessageBody=dead.body, MessageAttributes=dead.message_attributes
        )

    match = reader.wait_for(
        fn.queue_url, request_id=invocation.request_id, timeout_s=5, duplicate_window_s=1.0
    )

    assert len(match.duplicates) == 1 and match.unexplained_duplicates == []
    assert any(line.startswith("WARNING: duplicate dead letter") for line in said)
