"""What the trigger tests share: grant a service, make a queue, find a function's events and the
deliveries Lambda refused it."""

from __future__ import annotations

import json
import time
from typing import Any

ACCOUNT = "123456789012"


def events_of(emulator, fn_name: str, count: int, timeout_s: float = 15) -> list[Any]:
    deadline = time.time() + timeout_s
    while time.time() < deadline:
        done = [
            e
            for e in emulator.emulator.engine.events()
            if e.function_name == fn_name and e.outcome is not None
        ]
        if len(done) >= count:
            return done
        time.sleep(0.05)
    raise AssertionError(f"{count} event(s) of {fn_name} reached no outcome in {timeout_s}s")


def refusals(emulator, fn_arn: str) -> list[Any]:
    return [
        r
        for r in emulator.emulator.triggers.deliveries.refusals.refusals()
        if r.function_arn == fn_arn
    ]


def queue(aws, name: str) -> tuple[str, str]:
    sqs = aws.client("sqs")
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    return url, arn


def allow(aws, fn, service: str, source_arn: str, sid: str = "trigger") -> None:
    aws.client("lambda").add_permission(
        FunctionName=fn.name,
        StatementId=sid,
        Action="lambda:InvokeFunction",
        Principal=f"{service}.amazonaws.com",
        SourceArn=source_arn,
        SourceAccount=ACCOUNT,
    )


def metric_sum(aws: Any, namespace: str, name: str, dimension: tuple[str, str]) -> float:
    stats = aws.client("cloudwatch").get_metric_statistics(
        Namespace=namespace,
        MetricName=name,
        Dimensions=[{"Name": dimension[0], "Value": dimension[1]}],
        StartTime=time.time() - 600,
        EndTime=time.time() + 60,
        Period=60,
        Statistics=["Sum"],
    )
    return sum(p["Sum"] for p in stats["Datapoints"])


def let_send(aws: Any, queue_url: str, queue_arn: str, service: str, source_arn: str) -> None:
    """The queue policy SNS or EventBridge needs to use the queue as its own dead-letter queue."""
    statement = {
        "Effect": "Allow",
        "Principal": {"Service": f"{service}.amazonaws.com"},
        "Action": "sqs:SendMessage",
        "Resource": queue_arn,
        "Condition": {"ArnEquals": {"aws:SourceArn": source_arn}},
    }
    policy = json.dumps({"Version": "2012-10-17", "Statement": [statement]})
    aws.client("sqs").set_queue_attributes(QueueUrl=queue_url, Attributes={"Policy": policy})
