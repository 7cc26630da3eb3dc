"""The aws profile's SQS (moto_sqs_profile.py): short polls that miss while messages wait, long
polls that do not, and a deleted queue's name held (QueueDeletedRecently). Real boto3 against an
in-process emulator started with the profile."""

from __future__ import annotations

import time
import uuid

import pytest
from botocore.exceptions import ClientError

from asyncdlq.emulator import moto_sqs, moto_sqs_profile
from asyncdlq.emulator.profile import AWS, PLAIN, parse_profile

from .conftest import TIME_SCALE, Aws, profiled_emulator


def _queue(sqs: object, **attributes: str) -> str:
    return sqs.create_queue(  # type: ignore[attr-defined]
        QueueName=f"q-{uuid.uuid4().hex[:8]}", Attributes=attributes
    )["QueueUrl"]


def _short_polls(sqs: object, url: str, count: int, **extra: int) -> int:
    """How many of ``count`` receives found the message (it stays receivable: timeout 0)."""
    found = 0
    for _ in range(count):
        reply = sqs.receive_message(QueueUrl=url, VisibilityTimeout=0, **extra)  # type: ignore[attr-defined]
        found += bool(reply.get("Messages"))
    return found


def test_the_aws_defaults_are_the_documented_ones() -> None:
    # docs/aws-behaviour.md, The aws emulator profile: SQS and IAM.
    assert AWS.queue_name_reuse_s == 60.0
    assert 0 < AWS.short_poll_miss_rate < 1
    assert PLAIN.short_poll_miss_rate == 0 and PLAIN.queue_name_reuse_s == 0
    assert moto_sqs_profile.install(PLAIN, 1.0) is None  # plain installs nothing


def test_short_polls_sometimes_find_nothing_while_a_message_waits() -> None:
    with profiled_emulator(parse_profile("aws:short_poll_miss_rate=0.5,seed=7")) as (aws, _):
        sqs = aws.client("sqs")
        url = _queue(sqs)
        sqs.send_message(QueueUrl=url, MessageBody="waiting")
        found = _short_polls(sqs, url, 200)
        assert 60 <= found <= 140, found  # about half: 100 expected, binomial sd 7
        attributes = sqs.get_queue_attributes(
            QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"]
        )["Attributes"]
        assert attributes["ApproximateNumberOfMessages"] == "1"  # it was there all along


def test_long_polls_find_what_waits() -> None:
    with profiled_emulator(parse_profile("aws:short_poll_miss_rate=1")) as (aws, _):
        sqs = aws.client("sqs")
        url = _queue(sqs)
        sqs.send_message(QueueUrl=url, MessageBody="waiting")
        assert _short_polls(sqs, url, 20) == 0
        assert _short_polls(sqs, url, 5, WaitTimeSeconds=1) == 5
        # The queue's ReceiveMessageWaitTimeSeconds makes a receive without WaitTimeSeconds long.
        waiting = _queue(sqs, ReceiveMessageWaitTimeSeconds="1")
        sqs.send_message(QueueUrl=waiting, MessageBody="waiting")
        assert _short_polls(sqs, waiting, 5) == 5
        # ... and WaitTimeSeconds=0 in the request makes it short again.
        assert _short_polls(sqs, waiting, 5, WaitTimeSeconds=0) == 0


def test_a_plain_emulator_always_finds_what_waits(aws: Aws) -> None:
    sqs = aws.client("sqs")
    url = _queue(sqs)
    sqs.send_message(QueueUrl=url, MessageBody="waiting")
    assert _short_polls(sqs, url, 50) == 50


def test_the_misses_follow_the_seed() -> None:
    def draws(seed: int) -> list[bool]:
        behaviour = moto_sqs_profile.SqsProfile(0.3, 0.0, seed)
        return [behaviour.short_poll_misses() for _ in range(100)]

    assert draws(3) == draws(3)
    assert draws(3) != draws(4)


def test_a_deleted_queues_name_is_held_for_the_scaled_60_seconds() -> None:
    with profiled_emulator(AWS) as (aws, _):
        sqs = aws.client("sqs")
        name = f"q-{uuid.uuid4().hex[:8]}"
        url = sqs.create_queue(QueueName=name)["QueueUrl"]
        sqs.delete_queue(QueueUrl=url)
        deleted = time.monotonic()
        with pytest.raises(sqs.exceptions.QueueDeletedRecently) as refused:
            sqs.create_queue(QueueName=name)
        error = refused.value.response
        # AWS's answer (docs/aws-behaviour.md, The aws emulator profile: SQS and IAM): botocore
        # reads the query-compatible code from x-amzn-query-error.
        assert error["Error"]["Code"] == "AWS.SimpleQueueService.QueueDeletedRecently"
        assert error["Error"]["QueryErrorCode"] == "QueueDeletedRecently"
        assert error["Error"]["Type"] == "Sender"
        assert error["Error"]["Message"] == (
            "You must wait 60 seconds after deleting a queue before you can create another "
            "with the same name."
        )
        assert error["ResponseMetadata"]["HTTPStatusCode"] == 400
        # Another name is free; the held one is free again once the window has passed.
        sqs.create_queue(QueueName=f"{name}-other")
        time.sleep(max(0.0, deleted + 60 * TIME_SCALE + 0.1 - time.monotonic()))
        assert sqs.create_queue(QueueName=name)["QueueUrl"].endswith(name)


def test_creating_an_existing_queue_again_is_not_held() -> None:
    with profiled_emulator(AWS) as (aws, _):
        sqs = aws.client("sqs")
        name = f"q-{uuid.uuid4().hex[:8]}"
        first = sqs.create_queue(QueueName=name)["QueueUrl"]
        assert sqs.create_queue(QueueName=name)["QueueUrl"] == first


def test_a_plain_emulator_reuses_names_at_once(aws: Aws) -> None:
    sqs = aws.client("sqs")
    name = f"q-{uuid.uuid4().hex[:8]}"
    sqs.delete_queue(QueueUrl=sqs.create_queue(QueueName=name)["QueueUrl"])
    assert sqs.create_queue(QueueName=name)["QueueUrl"].endswith(name)


def test_uninstalling_leaves_moto_kind_again() -> None:
    with profiled_emulator(parse_profile("aws:short_poll_miss_rate=1")):
        assert moto_sqs._behaviour() is not None
    assert moto_sqs._behaviour() is None


def test_a_fifo_queue_short_poll_misses_too() -> None:
    with profiled_emulator(parse_profile("aws:short_poll_miss_rate=1")) as (aws, _):
        sqs = aws.client("sqs")
        url = sqs.create_queue(
            QueueName=f"q-{uuid.uuid4().hex[:8]}.fifo",
            Attributes={"FifoQueue": "true", "ContentBasedDeduplication": "true"},
        )["QueueUrl"]
        sqs.send_message(QueueUrl=url, MessageBody="waiting", MessageGroupId="g")
        assert not sqs.receive_message(QueueUrl=url).get("Messages")
        assert sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1).get("Messages")


def test_a_missing_queue_is_still_an_error_on_a_miss() -> None:
    with profiled_emulator(parse_profile("aws:short_poll_miss_rate=1")) as (aws, _):
        sqs = aws.client("sqs")
        url = _queue(sqs)
        sqs.delete_queue(QueueUrl=url)
        with pytest.raises(ClientError) as missing:
            sqs.receive_message(QueueUrl=url)
        assert "NonExistentQueue" in missing.value.response["Error"]["Code"]
