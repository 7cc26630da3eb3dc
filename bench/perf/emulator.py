"""The emulator bench/emulator_perf.py measures (``python -m asyncdlq emulator`` as a
subprocess, or one already running), its boto3 clients, and deploying functions and queues."""

from __future__ import annotations

import io
import json
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
import zipfile
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config

REPO = Path(__file__).resolve().parents[2]
RUNTIME = f"python{sys.version_info.major}.{sys.version_info.minor}"
TIME_SCALE = "1/1000"

TRIVIAL = "def lambda_handler(e, c):\n    return 1\n"
FAILING = "def lambda_handler(e, c):\n    raise Exception('Something went wrong')\n"
ROLE_POLICY = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": ["sqs:SendMessage"], "Resource": "*"}],
}


class Emulator:
    def __init__(self, endpoint: str | None = None) -> None:
        self.proc: subprocess.Popen[bytes] | None = None
        if endpoint:  # one already running, e.g. under a profiler; its time scale is its own
            self.url = endpoint.rstrip("/")
            self.get("health")
            return
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = tempfile.NamedTemporaryFile(  # noqa: SIM115 - the subprocess's log, kept
            prefix="asyncdlq-bench-", suffix=".log", delete=False
        )
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "asyncdlq", "emulator", "--port", str(self.port)]
            + ["--time-scale", TIME_SCALE],
            stdout=self.log,
            stderr=subprocess.STDOUT,
            cwd=REPO,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                self.get("health")
                return
            except OSError:
                if self.proc.poll() is not None:
                    break
                time.sleep(0.1)
        self.stop()
        sys.exit(f"the emulator did not start; see {self.log.name}")

    def get(self, route: str) -> Any:
        with urllib.request.urlopen(f"{self.url}/_asyncdlq/{route}", timeout=60) as resp:
            return json.load(resp)

    def invocations(self) -> dict[str, dict[str, Any]]:
        return {e["request_id"]: e for e in self.get("invocations")["invocations"]}

    def stop(self) -> None:
        if self.proc is None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def client(url: str, service: str) -> Any:
    return boto3.client(
        service,
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
        config=Config(retries={"max_attempts": 1}, read_timeout=120),
    )


def zip_source(source: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("handler.py", source)
    return buffer.getvalue()


class Deployer:
    def __init__(self, url: str) -> None:
        self.lam, self.sqs, self.iam = client(url, "lambda"), client(url, "sqs"), client(url, "iam")
        name = f"bench-{uuid.uuid4().hex[:8]}"
        self.role = self.iam.create_role(
            RoleName=name,
            AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": []}),
        )["Role"]["Arn"]
        self.iam.put_role_policy(
            RoleName=name, PolicyName="deliver", PolicyDocument=json.dumps(ROLE_POLICY)
        )

    def queue(self, name: str) -> tuple[str, str]:
        url = self.sqs.create_queue(QueueName=name)["QueueUrl"]
        arn = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
        return url, arn["Attributes"]["QueueArn"]

    def function(self, source: str, dlq_arn: str | None = None) -> str:
        name = f"fn-{uuid.uuid4().hex[:10]}"
        extra: dict[str, Any] = {"DeadLetterConfig": {"TargetArn": dlq_arn}} if dlq_arn else {}
        self.lam.create_function(
            FunctionName=name,
            Runtime=RUNTIME,
            Role=self.role,
            Handler="handler.lambda_handler",
            Code={"ZipFile": zip_source(source)},
            Timeout=10,
            **extra,
        )
        return name


def invoke(lam: Any, function: str, kind: str = "RequestResponse", payload: Any = b"{}") -> Any:
    """Invoke and read the payload: boto3 returns the connection to its pool only then."""
    resp = lam.invoke(FunctionName=function, InvocationType=kind, Payload=payload)
    resp["Payload"].read()
    return resp
