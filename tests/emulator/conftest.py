"""Handlers and helpers for tests against the in-process emulator (its fixtures, ``emulator``,
``aws`` and ``deploy``, are in tests/conftest.py: one emulator per test process)."""

from __future__ import annotations

import io
import textwrap
import time
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import boto3

from asyncdlq.emulator.profile import EmulatorProfile
from asyncdlq.emulator.server import EmulatorServer

# 1/100: a retry delay of 60 s becomes 0.6 s, the minimum event age of 60 s becomes 0.6 s.
TIME_SCALE = 0.01


@dataclass
class Aws:
    endpoint_url: str

    def client(self, service: str, config: Any = None) -> Any:
        return boto3.client(
            service,
            config=config,
            endpoint_url=self.endpoint_url,
            region_name="us-east-1",
            aws_access_key_id="test",
            aws_secret_access_key="test",
        )


def zip_source(source: str, filename: str = "handler.py") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr(filename, textwrap.dedent(source))
    return buffer.getvalue()


@dataclass
class Deployed:
    name: str
    arn: str
    queue_url: str
    queue_arn: str


DELIVER_ANYWHERE = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Action": [
                "sqs:SendMessage",
                "sns:Publish",
                "lambda:InvokeFunction",
                "events:PutEvents",
            ],
            "Resource": "*",
        }
    ],
}

FAILING = """
def lambda_handler(event, context):
    print("Lambda event:", event)
    raise Exception("Something went wrong")
"""

SUCCEEDING = """
def lambda_handler(event, context):
    print("Lambda event:", event)
    return event["key1"]
"""


def wait_active(lam: Any, name: str, timeout_s: float = 15) -> None:
    """Wait until a new function leaves Pending (the SDK's function_active_v2 waiter polls once
    a second, far slower than the emulator's scaled Pending)."""
    deadline = time.time() + timeout_s
    while lam.get_function_configuration(FunctionName=name)["State"] == "Pending":
        if time.time() > deadline:
            raise AssertionError(f"{name} still Pending after {timeout_s}s")
        time.sleep(0.005)


class ShortPollsMiss:
    """An SQS behaviour of the emulator (moto_sqs.SqsBehaviour, installed with
    moto_sqs.add_behaviour): the first ``misses`` short polls find nothing, every one if None."""

    def __init__(self, misses: int | None = None) -> None:
        self.left = misses
        self.missed_at: list[float] = []  # time.time() of each miss

    def before_create(self, backend: Any, name: str) -> None:
        pass

    def after_delete(self, backend: Any, name: str) -> None:
        pass

    def short_poll_misses(self) -> bool:
        if self.left is not None:
            if self.left <= 0:
                return False
            self.left -= 1
        self.missed_at.append(time.time())
        return True


# The execution role's trust policy: Lambda may assume it.
LAMBDA_TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "lambda.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ],
}


@contextmanager
def profiled_emulator(
    profile: EmulatorProfile, time_scale: float = TIME_SCALE
) -> Iterator[tuple[Aws, EmulatorServer]]:
    """An emulator of its own with ``profile`` (the session's is plain), stopped after the block."""
    server = EmulatorServer("127.0.0.1", 0, time_scale=time_scale, profile=profile).start()
    try:
        yield Aws(server.endpoint_url), server
    finally:
        server.stop()
