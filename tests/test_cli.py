"""The emulator as users run it: a process that reports pending events when stopped, and the
``asyncdlq invocations`` view of what happened."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import boto3

from tests.emulator.conftest import DELIVER_ANYWHERE, FAILING, zip_source


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_health(endpoint: str) -> None:
    deadline = time.time() + 20
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(f"{endpoint}/_asyncdlq/health", timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"no emulator at {endpoint}")


def test_pending_events_are_reported_at_shutdown_and_listed_before(tmp_path) -> None:
    port = _free_port()
    endpoint = f"http://127.0.0.1:{port}"
    # AWS timing: the first retry is a minute away, so the event is still pending at the stop.
    process = subprocess.Popen(
        [sys.executable, "-m", "asyncdlq", "emulator", "--port", str(port), "--time-scale", "1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _wait_health(endpoint)
        kw = dict(
            endpoint_url=endpoint,
            region_name="us-east-1",
            aws_access_key_id="t",
            aws_secret_access_key="t",
        )
        iam, lam = boto3.client("iam", **kw), boto3.client("lambda", **kw)
        role = iam.create_role(RoleName="r", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
        iam.put_role_policy(
            RoleName="r", PolicyName="p", PolicyDocument=json.dumps(DELIVER_ANYWHERE)
        )
        lam.create_function(
            FunctionName="f",
            Runtime="python3.12",
            Role=role,
            Handler="handler.lambda_handler",
            Code={"ZipFile": zip_source(FAILING)},
        )
        response = lam.invoke(FunctionName="f", InvocationType="Event", Payload=b"{}")
        request_id = response["ResponseMetadata"]["HTTPHeaders"]["x-amzn-requestid"]

        env = {**os.environ, "TARGET": "local", "ASYNCDLQ_ENDPOINT": endpoint}
        deadline = time.time() + 10
        listing = ""
        while time.time() < deadline and "attempt 1" not in listing:
            listing = subprocess.run(
                [sys.executable, "-m", "asyncdlq", "invocations"],
                env=env,
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            time.sleep(0.1)
        assert f"{request_id}  f:$LATEST  pending" in listing
        assert "attempt 1 at +" in listing and "Exception: Something went wrong" in listing
    finally:
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=20)
    assert process.returncode == 0
    assert f"event {request_id} for f was still pending (1 attempt(s) run) at shutdown" in err
    assert "asyncdlq emulator stopped" in out
