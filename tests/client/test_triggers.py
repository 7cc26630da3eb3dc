"""client/triggers.py against the in-process emulator: each source's handle matches the dead letter
that carries its event and learns the request id, from the dead letter or from the logs."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

import pytest

from asyncdlq.client.invoker import InvokeError
from asyncdlq.client.logs import LogReader
from asyncdlq.client.messages import MessageReader, ReceivedMessage
from asyncdlq.client.triggers import (
    Triggered,
    lines_mentioning,
    publish_sns,
    put_event,
    put_object,
    request_id_in_logs,
)
from tests.emulator.conftest import FAILING
from tests.emulator.trigger_helpers import allow, let_send


def _wait(aws: Any, queue_url: str, triggered: Triggered) -> ReceivedMessage:
    reader = MessageReader(aws.client("sqs"), progress=lambda _: None)
    match = reader.wait_for(
        queue_url, matching=(triggered.describe(), triggered.matches), timeout_s=15
    )
    (message,) = match.messages
    triggered.learn(message)
    return message


def _request_id_from_logs(aws: Any, fn: Any, triggered: Triggered) -> str | None:
    reader = LogReader(aws.client("logs"))
    deadline = time.time() + 10
    while time.time() < deadline:
        found = request_id_in_logs(reader, f"/aws/lambda/{fn.name}", triggered)
        if found:
            return found
        time.sleep(0.1)
    return None


def test_an_sns_handle_matches_its_dead_letter_and_finds_its_attempt(aws, deploy) -> None:
    fn = deploy(FAILING, retries=0)
    sns = aws.client("sns")
    topic = sns.create_topic(Name=f"{fn.name}-t")["TopicArn"]
    sns.subscribe(TopicArn=topic, Protocol="lambda", Endpoint=fn.arn)
    allow(aws, fn, "sns", topic)
    other = publish_sns(sns, topic, fn.name, "not this one")
    triggered = publish_sns(sns, topic, fn.name, "hello", subject="s")
    assert triggered.correlation_id == triggered.ids["message_id"] != other.ids["message_id"]
    message = _wait(aws, fn.queue_url, triggered)
    assert json.loads(message.body)["Records"][0]["Sns"]["Message"] == "hello"
    assert triggered.request_id == message.request_id is not None
    assert _request_id_from_logs(aws, fn, triggered) == triggered.request_id


def test_an_eventbridge_handle_matches_the_target_dlq_of_a_refused_delivery(aws, deploy) -> None:
    fn = deploy(FAILING, retries=0)
    sqs, events = aws.client("sqs"), aws.client("events")
    dlq = sqs.create_queue(QueueName=f"{fn.name}-target-dlq")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    source = f"test.{uuid.uuid4().hex[:8]}"
    rule = events.put_rule(Name=f"{fn.name}-r", EventPattern=json.dumps({"source": [source]}))
    let_send(aws, dlq, dlq_arn, "events", rule["RuleArn"])
    events.put_targets(
        Rule=f"{fn.name}-r",
        Targets=[{"Id": "f", "Arn": fn.arn, "DeadLetterConfig": {"Arn": dlq_arn}}],
    )
    triggered = put_event(events, fn.name, source=source, detail_type="t", detail={"n": 1})
    message = _wait(aws, dlq, triggered)  # no permission: EventBridge's own dead letter
    assert json.loads(message.body)["id"] == triggered.ids["event_id"]
    assert triggered.request_id is None  # the function never ran: no request id exists
    assert (
        lines_mentioning(LogReader(aws.client("logs")), f"/aws/lambda/{fn.name}", triggered) == []
    )


def test_put_event_raises_when_eventbridge_does_not_ingest() -> None:
    class Refusing:  # PutEvents' answer for an entry it did not ingest
        def put_events(self, Entries: list[Any]) -> dict[str, Any]:  # noqa: N803
            return {
                "FailedEntryCount": 1,
                "Entries": [
                    {"ErrorCode": "MalformedDetail", "ErrorMessage": "Detail is malformed."}
                ],
            }

    with pytest.raises(InvokeError, match="did not ingest the event for f: MalformedDetail"):
        put_event(Refusing(), "f", source="s", detail_type="t", detail={})


def test_an_s3_handle_matches_on_bucket_and_key_as_s3_encodes_it(aws, deploy) -> None:
    fn = deploy(FAILING, retries=0)
    s3 = aws.client("s3")
    bucket = f"{fn.name}-b"
    s3.create_bucket(Bucket=bucket)
    allow(aws, fn, "s3", f"arn:aws:s3:::{bucket}")
    s3.put_bucket_notification_configuration(
        Bucket=bucket,
        NotificationConfiguration={
            "LambdaFunctionConfigurations": [
                {"LambdaFunctionArn": fn.arn, "Events": ["s3:ObjectCreated:*"]}
            ]
        },
    )
    put_object(s3, bucket, "in/other.txt", b"x", fn.name)
    triggered = put_object(s3, bucket, "in/a b.txt", "hello", fn.name)
    assert triggered.correlation_id == "in/a+b.txt"
    message = _wait(aws, fn.queue_url, triggered)
    assert json.loads(message.body)["Records"][0]["s3"]["object"]["key"] == "in/a+b.txt"
    assert _request_id_from_logs(aws, fn, triggered) == triggered.request_id
