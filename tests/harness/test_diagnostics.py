"""failure_report against the in-process emulator: timelines, logs, queues, outputs; and that an
unreadable part becomes one line instead of hiding the rest."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

import pytest

from asyncdlq.client import clients as aws_helpers
from asyncdlq.client.invoker import Invocation, invoke_async
from asyncdlq.client.logs import LogReader
from asyncdlq.client.messages import MessageReader
from asyncdlq.client.triggers import publish_sns
from asyncdlq.harness.diagnostics import failure_report, queue_urls_in
from asyncdlq.target import Target
from tests.emulator.conftest import FAILING


@pytest.fixture
def c(emulator) -> aws_helpers.Clients:
    return aws_helpers.clients(Target("local", "us-east-1", emulator.endpoint_url))


def _wait_in_queue(c: aws_helpers.Clients, queue_url: str, request_id: str) -> None:
    reader = MessageReader(c.sqs, progress=lambda _: None)
    deadline = time.monotonic() + 15
    while not any(m.request_id == request_id for m in reader.peek(queue_url)):
        assert time.monotonic() < deadline, f"no dead letter for {request_id}"
        time.sleep(0.1)


def _visible(c: aws_helpers.Clients, queue_url: str) -> str:
    attrs = c.sqs.get_queue_attributes(
        QueueUrl=queue_url, AttributeNames=["ApproximateNumberOfMessages"]
    )
    return attrs["Attributes"]["ApproximateNumberOfMessages"]


def test_report_shows_timeline_logs_queues_and_outputs(c, deploy) -> None:
    fn = deploy(FAILING, retries=1)
    given = c.sqs.create_queue(QueueName=f"given-{uuid.uuid4().hex[:6]}")["QueueUrl"]
    nested = c.sqs.create_queue(QueueName=f"nested-{uuid.uuid4().hex[:6]}")["QueueUrl"]
    c.sqs.send_message(QueueUrl=nested, MessageBody="x" * 2000)
    invocation = invoke_async(c.lambda_, fn.name, b'{"key1": "value1"}')
    _wait_in_queue(c, fn.queue_url, invocation.request_id)
    outputs = {"failing": {"dlq_url": fn.queue_url, "extra": [{"q": nested}]}, "name": fn.name}

    text = failure_report(
        c,
        invocations=[invocation],
        stacks_outputs={"seed": outputs},
        queue_urls=[given, fn.queue_url],
        time_scale=0.01,
    )

    assert text.startswith("=== asyncdlq diagnostics ===\n")
    section = text.split(f"--- invocation of {fn.name}, request id {invocation.request_id} ---\n")[
        1
    ]
    assert section.startswith("invoked ")
    assert "attempt 2 " in section and "dead letter sent " in section
    assert "retry spacing as on AWS (time scale 0.01)" in section
    assert (
        f"log lines (/aws/lambda/{fn.name}):\n  START RequestId: {invocation.request_id}" in section
    )
    assert section.count("  Lambda event: {'key1': 'value1'}") == 2
    # Given queues first, then those in the outputs, each once.
    headers = [line for line in text.splitlines() if line.startswith("--- queue ")]
    assert headers == [f"--- queue {url} ---" for url in (given, fn.queue_url, nested)]
    assert f"--- queue {given} ---\n0 message(s) now" in text
    dlq = text.split(f"--- queue {fn.queue_url} ---\n")[1]
    assert dlq.startswith("1 message(s) now (peeked, left in the queue)\nmessage ")
    assert f"  request id: {invocation.request_id}" in dlq
    assert "ErrorCode='200' ErrorMessage='Something went wrong'" in dlq
    assert "  body: " + "x" * 500 + " …(cut)" in text
    assert text.endswith(
        "--- terraform outputs of seed ---\n" + json.dumps(outputs, indent=2, sort_keys=True)
    )
    assert _visible(c, fn.queue_url) == "1" and _visible(c, nested) == "1"  # peeked only


class _BrokenLogs(LogReader):
    def attempts(self, *_: Any, **__: Any) -> Any:
        raise RuntimeError("logs are down")


def test_each_unreadable_part_is_one_line_and_the_rest_still_shows(c, emulator) -> None:
    ghost = Invocation("ghost-fn", "req-ghost", 202, time.time(), b"{}")
    missing_queue = f"{emulator.endpoint_url}/123456789012/no-such-queue"

    text = failure_report(
        c,
        invocations=[ghost],
        stacks_outputs={"bad": {1: "a", "b": 2}, "good": {"x": "y"}},  # mixed keys can't sort
        queue_urls=[missing_queue],
    )

    assert "(could not read the configuration of ghost-fn: ResourceNotFoundException" in text
    assert "; /aws/lambda/ghost-fn)\ninvoked " in text  # the default group is read instead
    assert "outcome: no attempt logged" in text
    assert f"--- queue {missing_queue} ---\n(could not read queue {missing_queue}: " in text
    assert "--- terraform outputs of bad ---\n(could not read the outputs of bad: TypeError" in text
    assert text.endswith('--- terraform outputs of good ---\n{\n  "x": "y"\n}')

    broken = failure_report(c, invocations=[ghost], log_reader=_BrokenLogs(c.logs))
    assert "(could not read the attempts in /aws/lambda/ghost-fn: RuntimeError: logs are down)" in (
        broken
    )


def test_queue_urls_in_nested_outputs() -> None:
    outputs = {
        "a": "https://sqs.eu-west-1.amazonaws.com/123456789012/my-dlq",
        "b": [{"c": "http://127.0.0.1:4599/000000000000/q.fifo"}, 3, None],
        "arn": "arn:aws:sqs:eu-west-1:123456789012:my-dlq",
        "site": "https://example.com/docs/page",
    }
    assert list(queue_urls_in(outputs)) == [
        "https://sqs.eu-west-1.amazonaws.com/123456789012/my-dlq",
        "http://127.0.0.1:4599/000000000000/q.fifo",
    ]


def test_even_unusable_clients_give_a_report() -> None:
    text = failure_report(object(), invocations=[Invocation("f", "r", 202, 0.0, b"")])
    assert text.startswith("=== asyncdlq diagnostics ===\n(could not finish the diagnostics: ")
    assert "AttributeError" in text


def test_a_triggered_event_is_reported_with_its_attempts_or_why_it_has_none(c, deploy) -> None:
    fn = deploy(FAILING, retries=0)
    sns = c.client("sns")
    topic = sns.create_topic(Name=f"{fn.name}-t")["TopicArn"]
    sns.subscribe(TopicArn=topic, Protocol="lambda", Endpoint=fn.arn)
    refused = publish_sns(sns, topic, fn.name, "before the permission")
    c.lambda_.add_permission(
        FunctionName=fn.name,
        StatementId="sns",
        Action="lambda:InvokeFunction",
        Principal="sns.amazonaws.com",
        SourceArn=topic,
    )
    taken = publish_sns(sns, topic, fn.name, "after the permission")
    deadline = time.monotonic() + 15
    reader = LogReader(c.logs)
    while not any(
        taken.ids["message_id"] in e.message for e in reader.events(f"/aws/lambda/{fn.name}")
    ):
        assert time.monotonic() < deadline, "the permitted message never reached the function"
        time.sleep(0.1)

    text = failure_report(c, triggered=[refused, taken], time_scale=0.01)

    assert f"SNS message {refused.ids['message_id']} on {topic} for {fn.name} ---\n" in text
    assert "the source never invoked the function" in text
    head = f"SNS message {taken.ids['message_id']} on {topic} for {fn.name}, request id "
    assert head in text
    section = text.split(head, 1)[1]
    assert "attempt 1" in section and "after the permission" in section


def test_on_an_aws_like_target_the_verdict_checks_only_the_documented_bound(c, deploy) -> None:
    fn = deploy(FAILING, retries=1)
    invocation = invoke_async(c.lambda_, fn.name, b'{"key1": "value1"}')
    _wait_in_queue(c, fn.queue_url, invocation.request_id)

    # Read as if the time scale were 1/1000: the emulator's 1/100 retry is then far too late
    # for the plain emulator's tolerance, yet at least the delay AWS documents.
    tight = failure_report(c, invocations=[invocation], time_scale=0.001)
    aws_like = failure_report(c, invocations=[invocation], time_scale=0.001, aws_like=True)

    assert "retry spacing NOT as on AWS: retry 1 started " in tight
    assert "retry spacing as on AWS (each retry at least its documented delay" in aws_like
