"""From the source's call to the dead letter, per source, on the emulator at make's time scale.

An Event invoke, an SNS Publish, an EventBridge PutEvents and an S3 PutObject each hand one event
to the same failing function (MaximumRetryAttempts 2, an SQS DLQ); the clock runs from just before
the call until the dead letter is received. The retry delays alone are (60 + 120) s times the
time scale (3 s at 1/60); the rest is attempts, delivery and polling. Prints one line per source
(median, min, max over the rounds).

    .venv/bin/python bench/trigger_latency.py [--rounds 5] [--time-scale 1/60]
"""

from __future__ import annotations

import argparse
import io
import json
import statistics
import sys
import time
import uuid
import zipfile
from collections.abc import Callable
from fractions import Fraction
from typing import Any

import boto3

from asyncdlq.aws.timing import retry_delay_s
from asyncdlq.emulator.process import DEFAULT_TIME_SCALE
from asyncdlq.emulator.server import EmulatorServer

ACCOUNT = "123456789012"
FAILING = "def lambda_handler(event, context):\n    raise Exception('Something went wrong')\n"
DELIVER = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": "*"}],
}


class Stack:
    """One failing function with an SQS DLQ, and an SNS topic, a rule and a bucket that invoke it."""

    def __init__(self, endpoint: str) -> None:
        def client(service: str) -> Any:
            return boto3.client(
                service,
                endpoint_url=endpoint,
                region_name="us-east-1",
                aws_access_key_id="bench",
                aws_secret_access_key="bench",
            )

        self.lam, self.sqs, self.sns = client("lambda"), client("sqs"), client("sns")
        self.events, self.s3, iam = client("events"), client("s3"), client("iam")
        name = f"bench-{uuid.uuid4().hex[:8]}"
        self.name, self.source = name, f"bench.{name}"
        role = iam.create_role(RoleName=name, AssumeRolePolicyDocument="{}")["Role"]["Arn"]
        iam.put_role_policy(RoleName=name, PolicyName="dlq", PolicyDocument=json.dumps(DELIVER))
        self.dlq = self.sqs.create_queue(QueueName=f"{name}-dlq")["QueueUrl"]
        dlq_arn = self.sqs.get_queue_attributes(QueueUrl=self.dlq, AttributeNames=["QueueArn"])
        fn = self.lam.create_function(
            FunctionName=name,
            Runtime="python3.12",
            Role=role,
            Handler="handler.lambda_handler",
            Code={"ZipFile": _zip(FAILING)},
            DeadLetterConfig={"TargetArn": dlq_arn["Attributes"]["QueueArn"]},
        )["FunctionArn"]
        while self.lam.get_function_configuration(FunctionName=name)["State"] == "Pending":
            time.sleep(0.01)
        self.topic = self.sns.create_topic(Name=name)["TopicArn"]
        self.sns.subscribe(TopicArn=self.topic, Protocol="lambda", Endpoint=fn)
        pattern = json.dumps({"source": [self.source]})
        rule = self.events.put_rule(Name=name, EventPattern=pattern)["RuleArn"]
        self.events.put_targets(Rule=name, Targets=[{"Id": "fn", "Arn": fn}])
        self.bucket = name
        self.s3.create_bucket(Bucket=name)
        for service, source_arn in (
            ("sns", self.topic),
            ("events", rule),
            ("s3", f"arn:aws:s3:::{name}"),
        ):
            self.lam.add_permission(
                FunctionName=name,
                StatementId=service,
                Action="lambda:InvokeFunction",
                Principal=f"{service}.amazonaws.com",
                SourceArn=source_arn,
                SourceAccount=ACCOUNT,
            )
        self.s3.put_bucket_notification_configuration(
            Bucket=name,
            NotificationConfiguration={
                "LambdaFunctionConfigurations": [
                    {"LambdaFunctionArn": fn, "Events": ["s3:ObjectCreated:*"]}
                ]
            },
        )

    def sources(self) -> dict[str, Callable[[str], None]]:
        """Each source's call, handed a marker that ends up in the event."""
        return {
            "Invoke (Event)": lambda m: self.lam.invoke(
                FunctionName=self.name, InvocationType="Event", Payload=json.dumps({"m": m})
            ),
            "SNS Publish": lambda m: self.sns.publish(TopicArn=self.topic, Message=m),
            "EventBridge PutEvents": lambda m: self.events.put_events(
                Entries=[{"Source": self.source, "DetailType": "t", "Detail": json.dumps({"m": m})}]
            ),
            "S3 PutObject": lambda m: self.s3.put_object(Bucket=self.bucket, Key=m, Body=b"x"),
        }

    def time_to_dead_letter(self, call: Callable[[str], None], timeout_s: float = 60) -> float:
        marker = uuid.uuid4().hex
        started = time.perf_counter()
        call(marker)
        deadline = started + timeout_s
        while time.perf_counter() < deadline:
            got = self.sqs.receive_message(
                QueueUrl=self.dlq, MaxNumberOfMessages=10, WaitTimeSeconds=1
            ).get("Messages", [])
            for message in got:
                self.sqs.delete_message(QueueUrl=self.dlq, ReceiptHandle=message["ReceiptHandle"])
                if marker in message["Body"]:
                    return time.perf_counter() - started
        raise SystemExit(f"no dead letter within {timeout_s:.0f} s")


def _zip(source: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("handler.py", source)
    return buffer.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--time-scale", default=DEFAULT_TIME_SCALE)
    args = parser.parse_args(argv)
    scale = float(Fraction(args.time_scale))
    server = EmulatorServer("127.0.0.1", 0, time_scale=scale).start()
    try:
        stack = Stack(server.endpoint_url)
        floor = retry_delay_s(1, scale) + retry_delay_s(2, scale)
        print(
            f"time scale {args.time_scale}: retry delays alone {floor:.2f} s; {args.rounds} rounds"
        )
        for label, call in stack.sources().items():
            samples = [stack.time_to_dead_letter(call) for _ in range(args.rounds)]
            print(
                f"  {label:<24} to the dead letter: median {statistics.median(samples):.2f} s "
                f"(min {min(samples):.2f}, max {max(samples):.2f})"
            )
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
