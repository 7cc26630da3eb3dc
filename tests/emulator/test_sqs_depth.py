"""SQS through boto3 against the emulator: moto's semantics kept on the indexed queues
(docs/aws-behaviour.md, SQS), and a cost per call that does not grow with the queue's depth."""

from __future__ import annotations

import hashlib
import json
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError
from moto.sqs import models as sqs_models

from asyncdlq.emulator import moto_glue, moto_sqs

ACCOUNT, REGION = "123456789012", "us-east-1"


@pytest.fixture
def sqs(aws) -> Any:
    return aws.client("sqs")


def _queue(sqs, **attributes: str) -> str:
    name = f"depth-{uuid.uuid4().hex[:10]}"
    return sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]


def _arn(sqs, url: str) -> str:
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
    return attrs["Attributes"]["QueueArn"]


def _counts(sqs, url: str) -> tuple[int, int, int]:
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    return (
        int(attrs["ApproximateNumberOfMessages"]),
        int(attrs["ApproximateNumberOfMessagesNotVisible"]),
        int(attrs["ApproximateNumberOfMessagesDelayed"]),
    )


def _receive(sqs, url: str, n: int = 10, **kwargs: Any) -> list[dict[str, Any]]:
    resp = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=n, **kwargs)
    return resp.get("Messages", [])


def test_emulator_queues_are_indexed_and_fifo_queues_stay_moto(emulator, sqs) -> None:
    url = _queue(sqs)
    fifo = sqs.create_queue(
        QueueName=f"depth-{uuid.uuid4().hex[:8]}.fifo", Attributes={"FifoQueue": "true"}
    )["QueueUrl"]
    queues = sqs_models.sqs_backends[ACCOUNT][REGION].queues
    assert moto_sqs.installed()
    assert type(queues[url.rsplit("/", 1)[1]]) is moto_sqs.IndexedQueue
    assert type(queues[fifo.rsplit("/", 1)[1]]) is sqs_models.Queue


def test_receive_order_visibility_timeout_and_receipt_handles(sqs) -> None:
    url = _queue(sqs)
    for n in range(5):
        sqs.send_message(QueueUrl=url, MessageBody=f"m{n}")
    first = _receive(sqs, url, 2, VisibilityTimeout=30, MessageSystemAttributeNames=["All"])
    assert [m["Body"] for m in first] == ["m0", "m1"]  # oldest first
    assert _counts(sqs, url) == (3, 2, 0)
    assert [m["Body"] for m in _receive(sqs, url, 10, VisibilityTimeout=30)] == ["m2", "m3", "m4"]
    assert _receive(sqs, url) == []  # all five in flight
    # Visible again (no sleeping: visibility 0), m0 comes back first with a second receive count.
    sqs.change_message_visibility(
        QueueUrl=url, ReceiptHandle=first[0]["ReceiptHandle"], VisibilityTimeout=0
    )
    again = _receive(sqs, url, 10, MessageSystemAttributeNames=["All"])
    assert [m["Body"] for m in again] == ["m0"]
    assert again[0]["Attributes"]["ApproximateReceiveCount"] == "2"
    assert again[0]["ReceiptHandle"] != first[0]["ReceiptHandle"]
    assert (
        again[0]["Attributes"]["ApproximateFirstReceiveTimestamp"]
        == first[0]["Attributes"]["ApproximateFirstReceiveTimestamp"]
    )
    assert again[0]["Attributes"]["SentTimestamp"] == first[0]["Attributes"]["SentTimestamp"]
    # moto accepts any handle a message was given (here the first one), and a second delete.
    sqs.delete_message(QueueUrl=url, ReceiptHandle=first[0]["ReceiptHandle"])
    sqs.delete_message(QueueUrl=url, ReceiptHandle=again[0]["ReceiptHandle"])
    assert _counts(sqs, url) == (0, 5 - 1, 0)


def test_visibility_timeout_zero_leaves_the_message_receivable_in_place(sqs) -> None:
    url = _queue(sqs)
    for n in range(3):
        sqs.send_message(QueueUrl=url, MessageBody=f"m{n}")
    assert [m["Body"] for m in _receive(sqs, url, 2, VisibilityTimeout=0)] == ["m0", "m1"]
    assert [m["Body"] for m in _receive(sqs, url, 10, VisibilityTimeout=0)] == ["m0", "m1", "m2"]
    assert _counts(sqs, url) == (3, 0, 0)


def test_queue_default_visibility_timeout_expires(sqs) -> None:
    url = _queue(sqs, VisibilityTimeout="1")
    sqs.send_message(QueueUrl=url, MessageBody="once")
    assert len(_receive(sqs, url)) == 1
    # It comes back once its second is over; WaitTimeSeconds bounds the wait without sleeps.
    started = time.monotonic()
    back = _receive(sqs, url, WaitTimeSeconds=10, MessageSystemAttributeNames=["All"])
    assert [m["Body"] for m in back] == ["once"]
    assert back[0]["Attributes"]["ApproximateReceiveCount"] == "2"
    assert time.monotonic() - started < 9  # returned when it became visible, not at the end


def test_change_visibility_errors_as_moto(sqs) -> None:
    url = _queue(sqs)
    sqs.send_message(QueueUrl=url, MessageBody="x")
    handle = _receive(sqs, url)[0]["ReceiptHandle"]
    with pytest.raises(ClientError) as bad:
        sqs.change_message_visibility(QueueUrl=url, ReceiptHandle="nope", VisibilityTimeout=5)
    assert bad.value.response["Error"]["Code"] == "ReceiptHandleIsInvalid"
    with pytest.raises(ClientError) as too_long:
        sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=handle, VisibilityTimeout=43200)
    assert too_long.value.response["Error"]["Code"] == "InvalidParameterValue"
    assert "43200 seconds" in too_long.value.response["Error"]["Message"]
    batch = sqs.change_message_visibility_batch(
        QueueUrl=url,
        Entries=[
            {"Id": "ok", "ReceiptHandle": handle, "VisibilityTimeout": 0},
            {"Id": "bad", "ReceiptHandle": "nope", "VisibilityTimeout": 0},
        ],
    )
    assert [e["Id"] for e in batch["Successful"]] == ["ok"]
    assert [(e["Id"], e["Code"]) for e in batch["Failed"]] == [("bad", "ReceiptHandleIsInvalid")]
    assert [m["Body"] for m in _receive(sqs, url)] == ["x"]


def test_delete_message_batch_mixes_successes_and_failures(sqs) -> None:
    url = _queue(sqs)
    for n in range(3):
        sqs.send_message(QueueUrl=url, MessageBody=f"m{n}")
    got = _receive(sqs, url, 10, VisibilityTimeout=30)
    sqs.delete_message(QueueUrl=url, ReceiptHandle=got[0]["ReceiptHandle"])
    resp = sqs.delete_message_batch(
        QueueUrl=url,
        Entries=[
            {"Id": "gone", "ReceiptHandle": got[0]["ReceiptHandle"]},  # deleted before: success
            {"Id": "one", "ReceiptHandle": got[1]["ReceiptHandle"]},
            {"Id": "bad", "ReceiptHandle": "not-a-handle"},
        ],
    )
    assert sorted(e["Id"] for e in resp["Successful"]) == ["gone", "one"]
    assert [(e["Id"], e["Code"]) for e in resp["Failed"]] == [("bad", "ReceiptHandleIsInvalid")]
    assert _counts(sqs, url) == (0, 1, 0)
    with pytest.raises(ClientError) as bad:
        sqs.delete_message(QueueUrl=url, ReceiptHandle="not-a-handle")
    assert bad.value.response["Error"]["Code"] == "ReceiptHandleIsInvalid"


def test_redrive_moves_a_message_after_max_receive_count(sqs) -> None:
    dlq = _queue(sqs)
    policy = json.dumps({"deadLetterTargetArn": _arn(sqs, dlq), "maxReceiveCount": 2})
    url = _queue(sqs, RedrivePolicy=policy)
    sqs.send_message(QueueUrl=url, MessageBody="poison")
    sqs.send_message(QueueUrl=url, MessageBody="fine")
    assert [m["Body"] for m in _receive(sqs, url, 1, VisibilityTimeout=0)] == ["poison"]
    assert [m["Body"] for m in _receive(sqs, url, 1, VisibilityTimeout=0)] == ["poison"]
    # The third receive finds poison received twice: it goes to the DLQ, fine is returned.
    third = _receive(sqs, url, 10, VisibilityTimeout=30)
    assert [m["Body"] for m in third] == ["fine"]
    assert _counts(sqs, url) == (0, 1, 0)
    moved = _receive(sqs, dlq, 10, MessageSystemAttributeNames=["All"])
    assert [m["Body"] for m in moved] == ["poison"]
    assert moved[0]["Attributes"]["ApproximateReceiveCount"] == "3"  # moto keeps the count


def test_long_poll_returns_as_soon_as_a_message_arrives(sqs, aws) -> None:
    url = _queue(sqs)
    sender = aws.client("sqs")
    timer = threading.Timer(0.3, lambda: sender.send_message(QueueUrl=url, MessageBody="late"))
    started = time.monotonic()
    timer.start()
    try:
        got = _receive(sqs, url, 10, WaitTimeSeconds=20)
    finally:
        timer.join()
    assert [m["Body"] for m in got] == ["late"]
    assert time.monotonic() - started < 15  # woken by the send, not by the end of the wait


def test_long_poll_on_an_empty_queue_waits_its_time(sqs) -> None:
    url = _queue(sqs)
    started = time.monotonic()
    assert _receive(sqs, url, 10, WaitTimeSeconds=1) == []
    assert time.monotonic() - started >= 0.95


def test_delay_seconds_hide_a_message_until_due(sqs) -> None:
    url = _queue(sqs)
    sqs.send_message(QueueUrl=url, MessageBody="later", DelaySeconds=1)
    sqs.send_message(QueueUrl=url, MessageBody="now")
    assert [m["Body"] for m in _receive(sqs, url, 10, VisibilityTimeout=30)] == ["now"]
    assert _counts(sqs, url) in ((0, 1, 1), (1, 1, 0))  # delayed, or already due
    got = _receive(sqs, url, 10, WaitTimeSeconds=10)  # nothing notifies: the index's due time
    assert [m["Body"] for m in got] == ["later"]
    delayed_queue = _queue(sqs, DelaySeconds="900")  # the queue's own delay applies too
    sqs.send_message(QueueUrl=delayed_queue, MessageBody="much later")
    assert _receive(sqs, delayed_queue) == []
    assert _counts(sqs, delayed_queue) == (0, 0, 1)


def test_message_and_system_attributes_and_md5s(sqs) -> None:
    url = _queue(sqs)
    attributes = {
        "a.one": {"DataType": "String", "StringValue": "1"},
        "a.two": {"DataType": "Number", "StringValue": "2"},
        "b": {"DataType": "Binary", "BinaryValue": b"\x00\x01"},
    }
    sent = sqs.send_message(QueueUrl=url, MessageBody="héllo", MessageAttributes=attributes)
    before = int(time.time() * 1000)
    got = _receive(
        sqs,
        url,
        10,
        VisibilityTimeout=0,
        MessageAttributeNames=["All"],
        MessageSystemAttributeNames=["All"],
    )[0]
    assert got["MD5OfBody"] == hashlib.md5("héllo".encode()).hexdigest() == sent["MD5OfMessageBody"]
    assert got["MD5OfMessageAttributes"] == sent["MD5OfMessageAttributes"]
    assert got["MessageAttributes"] == attributes
    assert got["MessageId"] == sent["MessageId"]
    system = got["Attributes"]
    assert abs(int(system["SentTimestamp"]) - before) < 60_000
    assert int(system["ApproximateFirstReceiveTimestamp"]) >= int(system["SentTimestamp"])
    assert system["ApproximateReceiveCount"] == "1" and system["SenderId"]
    # A prefix filter returns only the matching attributes, and the stored ones stay whole.
    some = _receive(sqs, url, 10, VisibilityTimeout=0, MessageAttributeNames=["a.*"])[0]
    assert set(some["MessageAttributes"]) == {"a.one", "a.two"}
    assert "MessageAttributes" not in _receive(sqs, url, 10, VisibilityTimeout=0)[0]
    full = _receive(sqs, url, 10, MessageAttributeNames=["All"])[0]
    assert full["MessageAttributes"] == attributes


def test_purge_queue_empties_it(sqs) -> None:
    url = _queue(sqs)
    for n in range(20):
        sqs.send_message(QueueUrl=url, MessageBody=f"m{n}")
    _receive(sqs, url, 5, VisibilityTimeout=30)
    sqs.purge_queue(QueueUrl=url)
    assert _counts(sqs, url) == (0, 0, 0)
    assert _receive(sqs, url) == []
    sqs.send_message(QueueUrl=url, MessageBody="after")
    assert [m["Body"] for m in _receive(sqs, url)] == ["after"]


def test_fifo_queues_keep_moto_group_order(sqs) -> None:
    url = sqs.create_queue(
        QueueName=f"depth-{uuid.uuid4().hex[:8]}.fifo",
        Attributes={"FifoQueue": "true", "ContentBasedDeduplication": "true"},
    )["QueueUrl"]
    for n in range(3):
        sqs.send_message(QueueUrl=url, MessageBody=f"g{n}", MessageGroupId="g")
    sqs.send_message(QueueUrl=url, MessageBody="g0", MessageGroupId="g")  # deduplicated
    first = _receive(sqs, url, 1, VisibilityTimeout=30)
    assert [m["Body"] for m in first] == ["g0"]
    assert _receive(sqs, url) == []  # the group is blocked while g0 is in flight
    sqs.delete_message(QueueUrl=url, ReceiptHandle=first[0]["ReceiptHandle"])
    assert [m["Body"] for m in _receive(sqs, url, 10)] == ["g1", "g2"]


def test_messages_past_the_retention_period_are_gone(sqs, monkeypatch) -> None:
    url = _queue(sqs, MessageRetentionPeriod="60")
    sqs.send_message(QueueUrl=url, MessageBody="old")
    real_s, real_ms = sqs_models.unix_time, sqs_models.unix_time_millis
    monkeypatch.setattr(sqs_models, "unix_time", lambda dt=None: real_s(dt) + 61)
    monkeypatch.setattr(sqs_models, "unix_time_millis", lambda dt=None: real_ms(dt) + 61_000)
    sqs.send_message(QueueUrl=url, MessageBody="new")
    # AWS deletes it (moto kept counting it, and returned nothing while it headed the queue).
    assert _counts(sqs, url) == (1, 0, 0)
    assert [m["Body"] for m in _receive(sqs, url)] == ["new"]


# -- cost per call: work per queued message, as moto did it --------------------------------------


@pytest.fixture
def work(monkeypatch) -> Iterator[Counter[int]]:
    """Per thread: reads of moto's SQS clock and of a message's visibility or receipt handles.

    moto's queue did these once or twice per queued message on every receive, delete,
    visibility change and attribute read. Counted per thread because a request runs on its
    connection's thread while the engine may deliver an earlier test's events to other queues.
    """
    calls: Counter[int] = Counter()

    def counted(func: Any) -> Any:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            calls[threading.get_ident()] += 1
            return func(*args, **kwargs)

        return wrapper

    monkeypatch.setattr(sqs_models, "unix_time_millis", counted(sqs_models.unix_time_millis))
    message = sqs_models.Message
    for name in ("visible", "delayed", "all_receipt_handles"):
        monkeypatch.setattr(message, name, property(counted(getattr(message, name).fget)))
    monkeypatch.setattr(message, "had_receipt_handle", counted(message.had_receipt_handle))
    yield calls


def _cost_of_each_call(sqs, url: str, calls: Counter[int]) -> dict[str, int]:
    def cost(call: Any) -> int:
        before = dict(calls)
        call()
        return max((n - before.get(t, 0) for t, n in calls.items()), default=0)

    out: dict[str, int] = {}
    got: list[dict[str, Any]] = []
    out["receive"] = cost(lambda: got.extend(_receive(sqs, url, 10, VisibilityTimeout=60)))
    entries = [{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(got[:5])]
    out["delete batch"] = cost(lambda: sqs.delete_message_batch(QueueUrl=url, Entries=entries))
    handle = got[5]["ReceiptHandle"]
    out["delete"] = cost(lambda: sqs.delete_message(QueueUrl=url, ReceiptHandle=handle))
    out["change visibility"] = cost(
        lambda: sqs.change_message_visibility(
            QueueUrl=url, ReceiptHandle=got[6]["ReceiptHandle"], VisibilityTimeout=0
        )
    )
    out["attributes"] = cost(lambda: _counts(sqs, url))
    out["send"] = cost(lambda: sqs.send_message(QueueUrl=url, MessageBody="one more"))
    return out


def test_cost_of_each_call_does_not_grow_with_depth(sqs, work) -> None:
    costs = {}
    for depth in (20, 5000):
        url = _queue(sqs)
        name = url.rsplit("/", 1)[1]
        for n in range(depth):
            moto_glue.sqs_send(ACCOUNT, REGION, name, f"m{n}", None)
        costs[depth] = _cost_of_each_call(sqs, url, work)
        assert _counts(sqs, url) == (depth - 10 + 1 + 1, 3, 0)
        sqs.delete_queue(QueueUrl=url)
    assert costs[5000] == costs[20]
    assert max(costs[20].values()) <= 60  # moto: over 2 x depth for a receive
