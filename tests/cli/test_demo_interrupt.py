"""`make demo` names and tags what it creates as a harness run does, and a SIGTERM (a cancelled
CI job) destroys what it applied: nothing of the run is left for `make sweep` to find."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

from botocore.exceptions import ClientError

from asyncdlq.emulator.server import EmulatorServer
from asyncdlq.harness import tags as run_tags
from tests.emulator.conftest import Aws

BIN = Path(sys.executable).parent
ROOT = Path(__file__).resolve().parents[2]
APPLY_WITHIN_S = 300


def _names(aws: Aws, prefix: str) -> list[str]:
    """Everything of the run the emulator still holds, as "kind name"."""
    found = [
        f"function {f['FunctionName']}"
        for f in aws.client("lambda").list_functions()["Functions"]
        if f["FunctionName"].startswith(prefix)
    ]
    found += [
        f"queue {url}"
        for url in aws.client("sqs").list_queues(QueueNamePrefix=prefix).get("QueueUrls", [])
    ]
    found += [
        f"role {r['RoleName']}"
        for r in aws.client("iam").list_roles()["Roles"]
        if r["RoleName"].startswith(prefix)
    ]
    groups = aws.client("logs").describe_log_groups(logGroupNamePrefix=f"/aws/lambda/{prefix}")
    found += [f"log group {g['logGroupName']}" for g in groups["logGroups"]]
    return found


def test_sigterm_destroys_what_the_demo_applied(
    emulator: EmulatorServer, aws: Aws, tmp_path: Path
) -> None:
    run_id = f"demo{uuid.uuid4().hex[:6]}"
    prefix = f"{run_tags.NAME_PREFIX}{run_id}"
    function = f"{prefix}-demo-lambda"
    env = {
        **os.environ,
        "TARGET": "local",
        "ASYNCDLQ_ENDPOINT": emulator.endpoint_url,
        "ASYNCDLQ_STATE_DIR": str(tmp_path / "state"),
        "ASYNCDLQ_RUN_ID": run_id,
    }
    log = (tmp_path / "demo.log").open("w")
    demo = subprocess.Popen(
        [str(BIN / "asyncdlq"), "demo"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
    )
    lam = aws.client("lambda")
    try:
        deadline = time.monotonic() + APPLY_WITHIN_S
        while True:
            assert demo.poll() is None, (tmp_path / "demo.log").read_text()
            assert time.monotonic() < deadline, (tmp_path / "demo.log").read_text()
            try:
                arn = lam.get_function(FunctionName=function)["Configuration"]["FunctionArn"]
                break
            except ClientError:
                time.sleep(0.5)
        tags = lam.list_tags(Resource=arn)["Tags"]
        assert tags[run_tags.TAG_RUN_ID] == run_id and run_tags.TAG_STACK in tags
        assert tags[run_tags.TAG_REGION] == "us-east-1"
        demo.send_signal(signal.SIGTERM)
        code = demo.wait(timeout=APPLY_WITHIN_S)
    finally:
        if demo.poll() is None:
            demo.kill()
        log.close()
    text = (tmp_path / "demo.log").read_text()
    assert code == 130, text
    assert "Clean up (terraform destroy)" in text
    assert _names(aws, prefix) == [], text
