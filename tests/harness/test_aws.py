"""boto3 helpers against moto's server (a local endpoint, like the emulator's)."""

from __future__ import annotations

import io
import json
import os
import time
import uuid
import zipfile
from typing import Any

import pytest
from botocore.config import Config
from botocore.response import StreamingBody

from asyncdlq.harness import aws
from asyncdlq.target import Target


@pytest.fixture
def target(moto_endpoint: str) -> Target:
    return Target("local", "us-east-1", moto_endpoint)


@pytest.fixture
def c(target: Target) -> aws.Clients:
    return aws.clients(target)


@pytest.fixture
def queue_url(c: aws.Clients) -> str:
    return c.sqs.create_queue(QueueName=f"dlq-{uuid.uuid4().hex[:8]}")["QueueUrl"]


def test_local_clients_ignore_the_users_profile_and_leave_environ_alone(
    target: Target, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_PROFILE", "profile-that-does-not-exist")
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:1")
    before = dict(os.environ)
    c = aws.clients(target)
    sqs = c.sqs
    assert sqs.meta.endpoint_url == target.endpoint_url
    assert sqs.meta.region_name == "us-east-1"
    assert c.session.get_credentials().access_key == "test"
    assert dict(os.environ) == before
    # moto's in-process server reads AWS_PROFILE itself, so restore it before the call.
    monkeypatch.undo()
    sqs.list_queues()  # reaches the target, not the env endpoint


def test_aws_clients_use_the_default_chain(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    c = aws.clients(Target("aws", "eu-west-1", None))
    assert c.endpoint_url is None
    assert c.lambda_.meta.region_name == "eu-west-1"
    assert "amazonaws.com" in c.lambda_.meta.endpoint_url
    assert c.session.get_credentials().access_key == "AKIAEXAMPLE"


class _FakeLambda:
    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    def invoke(self, **kwargs: Any) -> dict[str, Any]:
        self.calls.append(kwargs)
        return {
            "StatusCode": 202,
            "Payload": StreamingBody(io.BytesIO(b""), 0),
            "ResponseMetadata": {
                "RequestId": "metadata-id",
                "HTTPHeaders": {"x-amzn-requestid": "header-id", "content-length": "0"},
            },
        }


def test_invoke_async_sends_an_event_and_returns_the_header_request_id() -> None:
    fake = _FakeLambda()
    result = aws.invoke_async(fake, "fn", b'{"raise_error": 1}')
    assert fake.calls == [
        {"FunctionName": "fn", "InvocationType": "Event", "Payload": b'{"raise_error": 1}'}
    ]
    assert (result.status_code, result.request_id, result.body) == (202, "header-id", b"")


def test_wait_for_dlq_messages_collects_reads_attributes_and_deletes(
    c: aws.Clients, queue_url: str
) -> None:
    for i in range(2):
        c.sqs.send_message(
            QueueUrl=queue_url,
            MessageBody=f'{{"n": {i}}}',
            MessageAttributes={
                "RequestID": {"DataType": "String", "StringValue": f"req-{i}"},
                "ErrorCode": {"DataType": "Number", "StringValue": "200"},
            },
        )
    messages = aws.wait_for_dlq_messages(c.sqs, queue_url, 2, timeout_s=10)
    assert sorted(m["Body"] for m in messages) == ['{"n": 0}', '{"n": 1}']
    attrs = sorted((aws.message_attributes(m) for m in messages), key=lambda a: a["RequestID"])
    assert attrs == [
        {"RequestID": "req-0", "ErrorCode": "200"},
        {"RequestID": "req-1", "ErrorCode": "200"},
    ]
    assert all("SentTimestamp" in m["Attributes"] for m in messages)
    left = c.sqs.get_queue_attributes(
        QueueUrl=queue_url,
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    assert left == {
        "ApproximateNumberOfMessages": "0",
        "ApproximateNumberOfMessagesNotVisible": "0",
    }


def test_wait_for_dlq_messages_times_out_with_a_useful_message(
    c: aws.Clients, queue_url: str
) -> None:
    lines: list[str] = []
    started = time.monotonic()
    with pytest.raises(TimeoutError) as caught:
        aws.wait_for_dlq_messages(c.sqs, queue_url, 1, timeout_s=1.5, progress=lines.append)
    assert time.monotonic() - started < 6
    message = str(caught.value)
    assert "0 of 1" in message and aws.queue_name_of(queue_url) in message and "1.5s" in message


def test_wait_for_dlq_messages_prints_progress(
    c: aws.Clients, queue_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(aws, "PROGRESS_EVERY_S", 0.5)
    monkeypatch.setattr(aws, "_POLL_WAIT_S", 1)
    lines: list[str] = []
    with pytest.raises(TimeoutError):
        aws.wait_for_dlq_messages(c.sqs, queue_url, 1, timeout_s=2.5, progress=lines.append)
    assert lines, "no progress line while waiting"
    assert lines[0].startswith(f"waiting for DLQ message on {aws.queue_name_of(queue_url)} (")


def _put_logs(c: aws.Clients, group: str, stream: str, messages: list[str]) -> None:
    now = int(time.time() * 1000)
    c.logs.put_log_events(
        logGroupName=group,
        logStreamName=stream,
        logEvents=[{"timestamp": now + i, "message": m} for i, m in enumerate(messages)],
    )


def test_log_events_for_request_finds_only_that_request(c: aws.Clients) -> None:
    group = f"/aws/lambda/fn-{uuid.uuid4().hex[:8]}"
    c.logs.create_log_group(logGroupName=group)
    stream = "2026/01/01/[$LATEST]" + "a" * 32
    c.logs.create_log_stream(logGroupName=group, logStreamName=stream)
    _put_logs(
        c,
        group,
        stream,
        [
            "START RequestId: req-1 Version: $LATEST",
            "START RequestId: req-2 Version: $LATEST",
            "END RequestId: req-1",
        ],
    )
    events = aws.log_events_for_request(c.logs, group, "req-1")
    assert [e.message for e in events] == [
        "START RequestId: req-1 Version: $LATEST",
        "END RequestId: req-1",
    ]
    assert {e.stream for e in events} == {stream}
    assert aws.log_events_for_request(c.logs, "/aws/lambda/absent", "req-1") == []


def test_wait_for_log_lines_returns_once_the_predicate_holds(c: aws.Clients) -> None:
    group = f"/aws/lambda/fn-{uuid.uuid4().hex[:8]}"
    c.logs.create_log_group(logGroupName=group)
    c.logs.create_log_stream(logGroupName=group, logStreamName="s")
    _put_logs(c, group, "s", ["START RequestId: r Version: $LATEST", "END RequestId: r"])
    events = aws.wait_for_log_lines(
        c.logs, group, "r", lambda evs: any(e.message.startswith("END") for e in evs), 5
    )
    assert len(events) == 2
    with pytest.raises(TimeoutError, match="REPORT lines for request r did not appear") as caught:
        aws.wait_for_log_lines(
            c.logs,
            group,
            "r",
            lambda evs: len(evs) > 5,
            1,
            poll_s=0.2,
            what="REPORT lines",
            progress=lambda _: None,
        )
    assert "START RequestId: r" in str(caught.value)


def _zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("handler.py", "def lambda_handler(event, context):\n    return 1\n")
    return buf.getvalue()


def test_assert_nothing_left_lists_every_leftover_then_passes(c: aws.Clients) -> None:
    name = f"adlq-{uuid.uuid4().hex[:6]}"
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "sts:AssumeRole",
                "Principal": {"Service": "lambda.amazonaws.com"},
            }
        ],
    }
    role = c.iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))["Role"]
    c.iam.put_role_policy(
        RoleName=name,
        PolicyName="dlq",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": "*"}],
            }
        ),
    )
    c.sqs.create_queue(QueueName=f"{name}-dlq")
    c.logs.create_log_group(logGroupName=f"/aws/lambda/{name}")
    c.lambda_.create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=role["Arn"],
        Handler="handler.lambda_handler",
        Code={"ZipFile": _zip()},
    )
    names = {
        "function_name": name,
        "queue_name": f"{name}-dlq",
        "role_name": name,
        "log_group": f"/aws/lambda/{name}",
    }

    with pytest.raises(AssertionError) as caught:
        aws.assert_nothing_left(c, **names, settle_s=0)
    message = str(caught.value)
    for expected in (
        f"Lambda function {name}",
        f"SQS queue {name}-dlq",
        f"IAM role {name}",
        f"inline policy dlq on IAM role {name}",
        f"CloudWatch log group /aws/lambda/{name}",
    ):
        assert expected in message
    assert message.startswith("5 resource(s) left after destroy")

    c.lambda_.delete_function(FunctionName=name)
    c.sqs.delete_queue(QueueUrl=c.sqs.get_queue_url(QueueName=f"{name}-dlq")["QueueUrl"])
    c.iam.delete_role_policy(RoleName=name, PolicyName="dlq")
    c.iam.delete_role(RoleName=name)
    c.logs.delete_log_group(logGroupName=f"/aws/lambda/{name}")
    aws.assert_nothing_left(c, **names, settle_s=0)


def test_assert_nothing_left_does_not_swallow_other_errors(moto_endpoint: str) -> None:
    # A dead endpoint must surface as an error, not as "nothing left".
    dead = aws.clients(
        Target("local", "us-east-1", "http://127.0.0.1:9"),
        config=Config(retries={"max_attempts": 1}, connect_timeout=2),
    )
    with pytest.raises(Exception) as caught:
        aws.assert_nothing_left(
            dead,
            function_name="f",
            queue_name="q",
            role_name="r",
            log_group="/aws/lambda/f",
            settle_s=0,
        )
    assert not isinstance(caught.value, AssertionError)
