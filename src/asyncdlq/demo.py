"""``make demo``: the seed tutorial, narrated, against the current TARGET.

Deploy the demo function, invoke it asynchronously (202), find the event in CloudWatch Logs,
deploy the failing handler, invoke again, watch each attempt as it happens, read the DLQ message,
destroy. Destroy always runs, even when a step fails.
"""

from __future__ import annotations

import contextlib
import json
import secrets
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from .harness.aws import (
    Clients,
    clients,
    invoke_async,
    log_events_for_request,
    message_attributes,
    wait_for_log_lines,
)
from .harness.emulator_process import configured_time_scale, running_emulator
from .harness.stack import Stack
from .packaging import build_zip
from .target import Target, current_target

ROOT = Path(__file__).resolve().parents[2]
PAYLOAD = b'{"key1": "value1"}'


def step(number: int, title: str) -> None:
    print(f"\n== {number}/6 {title}", flush=True)


def show(text: str = "") -> None:
    print(f"   {text}" if text else "", flush=True)


@contextlib.contextmanager
def _target_ready(target: Target, state_dir: Path) -> Iterator[float]:
    """Yields the time scale: the emulator's on TARGET=local (started if needed), 1 on AWS."""
    if not target.is_local:
        yield 1.0
        return
    assert target.endpoint_url
    scale = configured_time_scale()
    with running_emulator(target.endpoint_url, scale, state_dir) as info:
        yield info.time_scale or scale


def _cli(function_name: str) -> str:
    return (
        f"aws lambda invoke --function-name {function_name} --invocation-type Event "
        f"--payload '{PAYLOAD.decode()}' response.json"
    )


def _watch_attempts(
    c: Clients, outputs: dict[str, Any], request_id: str, invoked_at: float, scale: float
) -> dict[str, Any]:
    """Print each attempt's START as it appears; return the DLQ message when it arrives."""
    retries = int(outputs["maximum_retry_attempts"])
    budget = (2 * sum((60, 120)[:retries]) * scale) + (30 if scale < 1 else 300)
    shown = 0

    def show_new_attempts() -> None:
        nonlocal shown
        events = log_events_for_request(c.logs, outputs["log_group_name"], request_id)
        starts = [e for e in events if e.message.startswith("START RequestId:")]
        for event in starts[shown:]:
            shown += 1
            after = (event.timestamp / 1000 - invoked_at) / scale
            show(
                f"attempt {shown} started {after:.0f}s after the invoke (in AWS time), "
                f"log stream {event.stream}"
            )

    next_note = time.time() + 10
    while time.time() - invoked_at < budget:
        show_new_attempts()
        response = c.sqs.receive_message(
            QueueUrl=outputs["dlq_url"],
            MessageAttributeNames=["All"],
            WaitTimeSeconds=1 if scale < 1 else 5,
        )
        if response.get("Messages"):
            message = response["Messages"][0]
            c.sqs.delete_message(
                QueueUrl=outputs["dlq_url"], ReceiptHandle=message["ReceiptHandle"]
            )
            show_new_attempts()
            return message
        if time.time() >= next_note:
            waited = (time.time() - invoked_at) / scale
            show(f"... {waited:.0f}s in AWS time; Lambda waits ~60 s, then ~120 s between attempts")
            next_note = time.time() + 10
    raise TimeoutError(f"no DLQ message on {outputs['dlq_url']} within {budget:.0f}s")


def _run(c: Clients, stack_ok: Stack, failing: Callable[[], Stack], scale: float) -> None:
    step(1, "Deploy the demo function, its DLQ and a least-privilege role (terraform apply)")
    stack_ok.apply()
    outputs = stack_ok.outputs()
    show(f"function {outputs['function_name']}, DLQ {outputs['dlq_url']}")

    step(2, "Invoke it asynchronously")
    show(f"$ {_cli(outputs['function_name'])}")
    result = invoke_async(c.lambda_, outputs["function_name"], PAYLOAD)
    show(json.dumps({"StatusCode": result.status_code}))
    show(f"request id {result.request_id}: 202 means accepted, not succeeded")

    step(3, "The event in CloudWatch Logs")
    wait_for_log_lines(
        c.logs,
        outputs["log_group_name"],
        result.request_id,
        lambda evs: any(e.message.startswith("REPORT") for e in evs),
        timeout_s=120,
        what="the invocation's REPORT line",
    )
    stream = log_events_for_request(c.logs, outputs["log_group_name"], result.request_id)[0].stream
    for event in c.logs.get_log_events(
        logGroupName=outputs["log_group_name"], logStreamName=stream, startFromHead=True
    )["events"]:
        for line in event["message"].rstrip("\n").replace("\t", "  ").splitlines():
            show(line)

    step(4, "Simulate a failure: deploy the failing handler (terraform apply)")
    # Built only now: its variables file replaces the first step's in the shared workspace.
    failing().apply()

    step(5, "Invoke again: still 202; Lambda retries twice, then hands the event to the DLQ")
    show(f"$ {_cli(outputs['function_name'])}")
    invoked_at = time.time()
    failed = invoke_async(c.lambda_, outputs["function_name"], PAYLOAD)
    show(f"{json.dumps({'StatusCode': failed.status_code})}  request id {failed.request_id}")
    message = _watch_attempts(c, outputs, failed.request_id, invoked_at, scale)

    step(6, "The DLQ message")
    show(f"Body: {message['Body']}")
    for name, value in message_attributes(message).items():
        data_type = message["MessageAttributes"][name]["DataType"]
        show(f"{name} ({data_type}): {value}")
    if message_attributes(message).get("RequestID") != failed.request_id:
        raise AssertionError("the DLQ message's RequestID is not the failed invocation's")
    show("RequestID is the 202's request id: the failure is traceable from invoke to DLQ")


def run_demo(state_dir: Path) -> int:
    target = current_target()
    state_dir = state_dir.resolve()
    suffix = secrets.token_hex(3)
    package = build_zip(ROOT / "lambda", state_dir / "demo" / "lambda.zip")
    names = {
        "function_name": f"demo-lambda-{suffix}",
        "dlq_name": f"lambda-DLQ-{suffix}",
        "package_path": str(package),
    }
    print(f"asyncdlq demo: the seed tutorial against TARGET={target.name}", flush=True)
    with _target_ready(target, state_dir) as scale:
        if scale != 1:
            show(f"the emulator runs Lambda's retry delays {1 / scale:g}x faster than AWS")
        workspace = f"demo-{suffix}"

        def stack(simulate_failure: bool) -> Stack:
            # Both share one workspace: the second apply updates the first one's resources.
            variables = {**names, "simulate_failure": simulate_failure}
            return Stack(
                ROOT, variables=variables, target=target, state_dir=state_dir, workspace=workspace
            )

        stack_ok = stack(False)
        stack_ok.init()
        try:
            _run(clients(target), stack_ok, lambda: stack(True), scale)
        finally:
            print("\n== Clean up (terraform destroy)", flush=True)
            stack_ok.destroy()
    print("\ndemo complete: the failure path works, and nothing is left behind", flush=True)
    return 0
