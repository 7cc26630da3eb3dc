"""The in-process emulator every test process shares: one per process, because SQS, SNS, IAM
and the other services live in moto's process-wide backends (only Lambda's are the emulator's
own), and starting an emulator per test would cost a server each.

Also the fixtures of tests that need no emulator: throwaway Terraform configs, a fake emulator
endpoint, a plain moto server."""

from __future__ import annotations

import http.server
import json
import os
import textwrap
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Callable

import pytest
from moto.server import ThreadedMotoServer

from asyncdlq.emulator.server import EmulatorServer
from asyncdlq.target import Target
from tests.emulator.conftest import (
    DELIVER_ANYWHERE,
    TIME_SCALE,
    Aws,
    Deployed,
    wait_active,
    zip_source,
)


@pytest.fixture(scope="session")
def emulator() -> Iterator[EmulatorServer]:
    server = EmulatorServer("127.0.0.1", 0, time_scale=TIME_SCALE, async_payload_limit=4096).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def aws(emulator: EmulatorServer) -> Aws:
    return Aws(emulator.endpoint_url)


@pytest.fixture
def deploy(aws: Aws) -> Any:
    """Create a function (and an SQS DLQ) from handler source; names are unique per call."""
    lam, sqs, iam = aws.client("lambda"), aws.client("sqs"), aws.client("iam")

    def _deploy(
        source: str,
        *,
        retries: int | None = 2,
        max_age: int | None = None,
        timeout: int = 3,
        env: dict[str, str] | None = None,
    ) -> Deployed:
        name = f"fn-{uuid.uuid4().hex[:8]}"
        role = iam.create_role(
            RoleName=f"{name}-role",
            AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": []}),
        )["Role"]["Arn"]
        # Lambda checks at configuration time that the role may write to the DLQ/destinations.
        iam.put_role_policy(
            RoleName=f"{name}-role",
            PolicyName="deliver",
            PolicyDocument=json.dumps(DELIVER_ANYWHERE),
        )
        queue_url = sqs.create_queue(QueueName=f"{name}-dlq")["QueueUrl"]
        queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])[
            "Attributes"
        ]["QueueArn"]
        fn = lam.create_function(
            FunctionName=name,
            Runtime="python3.12",
            Role=role,
            Handler="handler.lambda_handler",
            Code={"ZipFile": zip_source(source)},
            Timeout=timeout,
            DeadLetterConfig={"TargetArn": queue_arn},
            Environment={"Variables": env or {}},
        )
        wait_active(lam, name)  # Invoke fails while the function is Pending, as on AWS
        config: dict[str, Any] = {}
        if retries is not None:
            config["MaximumRetryAttempts"] = retries
        if max_age is not None:
            config["MaximumEventAgeInSeconds"] = max_age
        if config:
            lam.put_function_event_invoke_config(FunctionName=name, **config)
        return Deployed(name, fn["FunctionArn"], queue_url, queue_arn)

    return _deploy


@pytest.fixture
def local_target() -> Target:
    # terraform_data needs no provider, so nothing has to listen at this endpoint.
    return Target("local", "us-east-1", "http://127.0.0.1:9")


@pytest.fixture
def state_dir(tmp_path: Path) -> Path:
    path = tmp_path / "state"
    path.mkdir()
    return path


@pytest.fixture
def write_config(tmp_path: Path) -> Callable[[str, str], Path]:
    """write_config(name, hcl) -> a directory holding main.tf with that text."""

    def write(name: str, hcl: str) -> Path:
        tfdir = tmp_path / name
        tfdir.mkdir()
        (tfdir / "main.tf").write_text(textwrap.dedent(hcl))
        return tfdir

    return write


class _Handler(http.server.BaseHTTPRequestHandler):
    status = 200
    body = b""
    content_type = "application/json"

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        self.send_response(self.status)
        self.send_header("Content-Type", self.content_type)
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args: object) -> None:
        pass  # keep test output clean


@pytest.fixture
def http_server() -> Iterator[Callable[[int, bytes], str]]:
    """http_server(status, body) -> endpoint of a server answering every GET with that."""
    servers: list[http.server.ThreadingHTTPServer] = []

    def start(status: int, body: bytes) -> str:
        handler = type("H", (_Handler,), {"status": status, "body": body})
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture
def fake_emulator_endpoint(http_server: Callable[[int, bytes], str]) -> str:
    """An endpoint whose health check looks like the asyncdlq emulator's."""
    health = {"status": "ok", "time_scale": 1 / 60, "pid": os.getpid()}
    return http_server(200, json.dumps(health).encode())


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()
