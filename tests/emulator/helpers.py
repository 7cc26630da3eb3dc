"""Small helpers the emulator tests share: invoke, read the DLQ and the logs, wait for outcomes."""

from __future__ import annotations

import time
from typing import Any


def invoke(aws: Any, name: str) -> tuple[str, str, dict[str, Any]]:
    response = aws.client("lambda").invoke(FunctionName=name, Payload=b"{}")
    return (
        response["ResponseMetadata"]["RequestId"],
        response["Payload"].read().decode(),
        response,
    )


def invoke_event(aws, name: str, payload: bytes) -> str:
    response = aws.client("lambda").invoke(
        FunctionName=name, InvocationType="Event", Payload=payload
    )
    assert response["StatusCode"] == 202
    return response["ResponseMetadata"]["HTTPHeaders"]["x-amzn-requestid"]


def dlq_messages(aws, queue_url: str, count: int, timeout_s: float = 15) -> list[dict[str, Any]]:
    sqs, got, deadline = aws.client("sqs"), [], time.time() + timeout_s
    while len(got) < count and time.time() < deadline:
        got += sqs.receive_message(
            QueueUrl=queue_url,
            MessageAttributeNames=["All"],
            MaxNumberOfMessages=10,
            WaitTimeSeconds=1,
        ).get("Messages", [])
    return got


def log_events(aws, name: str) -> list[dict[str, Any]]:
    logs = aws.client("logs")
    group = f"/aws/lambda/{name}"
    events = []
    for stream in logs.describe_log_streams(logGroupName=group)["logStreams"]:
        for event in logs.get_log_events(logGroupName=group, logStreamName=stream["logStreamName"])[
            "events"
        ]:
            events.append({**event, "stream": stream["logStreamName"]})
    return sorted(events, key=lambda e: e["timestamp"])


def log_messages(aws: Any, name: str) -> list[str]:
    client = aws.client("logs")
    group = f"/aws/lambda/{name}"
    out: list[str] = []
    for stream in client.describe_log_streams(logGroupName=group)["logStreams"]:
        token = None
        while True:
            kwargs = {"logGroupName": group, "logStreamName": stream["logStreamName"]}
            if token:
                kwargs["nextToken"] = token
            page = client.get_log_events(startFromHead=True, **kwargs)
            out += [e["message"] for e in page["events"]]
            if not page["events"] or page["nextForwardToken"] == token:
                break
            token = page["nextForwardToken"]
    return out


def invocation(emulator, request_id: str) -> Any:
    return next(e for e in emulator.emulator.engine.events() if e.request_id == request_id)


def wait_outcome(emulator, request_id: str, timeout_s: float = 15) -> Any:
    deadline = time.time() + timeout_s
    while time.time() < deadline:
        event = invocation(emulator, request_id)
        if event.outcome:
            return event
        time.sleep(0.05)
    raise AssertionError(f"event {request_id} reached no outcome in {timeout_s}s")
