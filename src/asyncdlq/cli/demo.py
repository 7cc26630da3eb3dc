"""``make demo``: the seed tutorial, narrated, against the current TARGET.

Deploy the demo function, invoke it asynchronously (202), find the event in CloudWatch Logs,
deploy the failing handler, invoke again, watch each attempt as it happens, read the DLQ message,
destroy. Destroy always runs, even when a step fails or the demo is stopped (Ctrl-C, SIGTERM).

On TARGET=aws the account guardrail runs first. Names start with a run prefix (adlq-<run id>) and
everything carries the run's tags, so what a killed demo left is found by `make sweep`.
"""

from __future__ import annotations

import contextlib
import json
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from .. import progress
from ..aws import timing
from ..client.clients import Clients, clients
from ..client.invoker import Invocation, invoke_async
from ..client.logs import AttemptLog, LogReader
from ..client.messages import MessageReader, MessageTimeout, ReceivedMessage
from ..emulator.process import configured_time_scale, running_emulator
from ..harness import interrupts
from ..harness import tags as run_tags
from ..harness.guardrail import GuardrailError, check_target
from ..harness.run import RunIdError, new_run_id
from ..harness.stack import Stack
from ..harness.teardown import destroy_with_retries
from ..packaging import build_zip
from ..target import Target, current_target

ROOT = Path(__file__).resolve().parents[3]  # the checkout: src/asyncdlq/cli/demo.py
PAYLOAD = b'{"key1": "value1"}'
REPORT_TIMEOUT_S = 120
LOG_POLL_S = 2.0


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


def _first_report(logs: LogReader, log_group: str, request_id: str) -> AttemptLog:
    """The request's first attempt, once its REPORT line can be read."""
    with progress.Wait(f"the invocation's REPORT line in {log_group}", REPORT_TIMEOUT_S) as wait:
        while True:
            attempts = logs.attempts(log_group, request_id)
            if attempts and attempts[0].report:
                return attempts[0]
            seen = sum(len(a.lines) for a in attempts)
            if wait.elapsed_s >= REPORT_TIMEOUT_S:
                raise TimeoutError(
                    f"the REPORT line of request {request_id} did not appear in {log_group} "
                    f"within {REPORT_TIMEOUT_S}s; {seen} line(s) of it seen"
                )
            wait.update(f"{seen} line(s) so far")
            time.sleep(LOG_POLL_S)


def _function_timeout_s(c: Clients, function_name: str) -> float:
    """How long each attempt may run: the deployed function's timeout."""
    return float(c.lambda_.get_function_configuration(FunctionName=function_name)["Timeout"])


def _watch_attempts(
    c: Clients, outputs: dict[str, Any], invocation: Invocation, scale: float
) -> ReceivedMessage:
    """Print each attempt's START as it appears; return the dead letter when it arrives."""
    budget = timing.dead_letter_wait_s(
        int(outputs["maximum_retry_attempts"]),
        int(outputs["maximum_event_age_in_seconds"]),
        _function_timeout_s(c, outputs["function_name"]),
        scale,
        on_aws=not c.endpoint_url,
    )
    logs = LogReader(c.logs)
    # The narration below is the wait's progress; the reader's own lines would repeat it.
    reader = MessageReader(c.sqs, progress=lambda _: None)
    # Short waits, so that each attempt is told within a poll of starting.
    poll_s = 1 if scale < 1 else 5
    shown = 0

    def show_new_attempts() -> None:
        nonlocal shown
        attempts = logs.attempts(outputs["log_group_name"], invocation.request_id)
        for attempt in attempts[shown:]:
            shown += 1
            after = (attempt.start_ms / 1000 - invocation.invoked_at) / scale
            show(
                f"attempt {shown} started {after:.0f}s after the invoke (in AWS time), "
                f"log stream {attempt.stream}"
            )

    next_note = time.time() + 10
    while (left := invocation.invoked_at + budget - time.time()) > 0:
        show_new_attempts()
        try:
            match = reader.wait_for(
                outputs["dlq_url"],
                request_id=invocation.request_id,
                timeout_s=min(poll_s, left),
            )
        except MessageTimeout:
            if time.time() >= next_note:
                waited = (time.time() - invocation.invoked_at) / scale
                delays = ", then ".join(f"~{d:.0f} s" for d in timing.RETRY_DELAYS_S)
                show(f"... {waited:.0f}s in AWS time; Lambda waits {delays} between attempts")
                next_note = time.time() + 10
            continue
        show_new_attempts()
        return match.messages[0]
    raise TimeoutError(
        f"no DLQ message for request {invocation.request_id} on {outputs['dlq_url']} "
        f"within {budget:.0f}s"
    )


def _run(c: Clients, stack_ok: Stack, failing: Callable[[], Stack], scale: float) -> None:
    step(1, "Deploy the demo function, its DLQ and a least-privilege role (terraform apply)")
    stack_ok.apply()
    outputs = stack_ok.outputs()
    show(f"function {outputs['function_name']}, DLQ {outputs['dlq_url']}")

    step(2, "Invoke it asynchronously")
    show(f"$ {_cli(outputs['function_name'])}")
    invocation = invoke_async(c.lambda_, outputs["function_name"], PAYLOAD)
    show(json.dumps({"StatusCode": invocation.status_code}))
    show(f"request id {invocation.request_id}: 202 means accepted, not succeeded")

    step(3, "The event in CloudWatch Logs")
    logs = LogReader(c.logs)
    attempt = _first_report(logs, outputs["log_group_name"], invocation.request_id)
    # The whole stream, not only the attempt: it shows what the environment logged first too.
    for event in logs.stream_events(outputs["log_group_name"], attempt.stream):
        for line in event.message.replace("\t", "  ").splitlines():
            show(line)

    step(4, "Simulate a failure: deploy the failing handler (terraform apply)")
    # Built only now: its variables file replaces the first step's in the shared workspace.
    failing().apply()

    step(5, "Invoke again: still 202; Lambda retries twice, then hands the event to the DLQ")
    show(f"$ {_cli(outputs['function_name'])}")
    failed = invoke_async(c.lambda_, outputs["function_name"], PAYLOAD)
    show(f"{json.dumps({'StatusCode': failed.status_code})}  request id {failed.request_id}")
    message = _watch_attempts(c, outputs, failed, scale)

    step(6, "The DLQ message")
    show(f"Body: {message.body}")
    for name, value in message.lambda_attributes.items():
        data_type = message.message_attributes[name]["DataType"]
        show(f"{name} ({data_type}): {value}")
    if message.lambda_attributes.get("RequestID") != failed.request_id:
        raise AssertionError("the DLQ message's RequestID is not the failed invocation's")
    show("RequestID is the 202's request id: the failure is traceable from invoke to DLQ")


def run_demo(state_dir: Path) -> int:
    target = current_target()
    if not target.is_local:
        try:
            check_target(target)
        except GuardrailError as exc:
            print(f"asyncdlq demo: {exc}", file=sys.stderr)
            return 2
    state_dir = state_dir.resolve()
    # A harness run's names and tags, so `make sweep` finds whatever a killed demo left behind.
    try:
        run_id = new_run_id()
    except RunIdError as exc:
        print(f"asyncdlq demo: {exc}", file=sys.stderr)
        return 2
    prefix = f"{run_tags.NAME_PREFIX}{run_id}"
    package = build_zip(ROOT / "lambda", state_dir / "demo" / "lambda.zip")
    names = {
        "function_name": f"{prefix}-demo-lambda",
        "dlq_name": f"{prefix}-lambda-DLQ",
        "package_path": str(package),
        # The stack tag lets the destroy of an interrupted apply find what its state missed.
        "tags": {**run_tags.run_tags(run_id), run_tags.TAG_STACK: uuid.uuid4().hex[:12]},
    }
    print(f"asyncdlq demo: the seed tutorial against TARGET={target.name}", flush=True)
    # CI cancels a job with SIGTERM: it now unwinds like Ctrl-C, through the destroy below.
    restore_sigterm = interrupts.install(None)
    try:
        with _target_ready(target, state_dir) as scale:
            if scale != 1:
                show(f"the emulator runs Lambda's retry delays {1 / scale:g}x faster than AWS")
            _demo(target, state_dir, names, f"demo-{run_id}", scale)
    finally:
        restore_sigterm()
    print("\ndemo complete: the failure path works, and nothing is left behind", flush=True)
    return 0


def _demo(
    target: Target, state_dir: Path, variables: dict[str, Any], workspace: str, scale: float
) -> None:
    def stack(simulate_failure: bool) -> Stack:
        # Both share one workspace: the second apply updates the first one's resources. The
        # module adds no variable of its own; the tutorial's handler reads SIMULATE_FAILURE.
        environment = {"SIMULATE_FAILURE": "1"} if simulate_failure else {}
        return Stack(
            ROOT,
            variables={**variables, "environment_variables": environment},
            target=target,
            state_dir=state_dir,
            workspace=workspace,
        )

    stack_ok = stack(False)
    # The narration is a transcript of lines; the harness's waits would otherwise redraw a
    # status line between them on a terminal, one per second-long poll of the DLQ.
    previous_writer = progress.set_writer(progress.StreamWriter(interactive=False))
    try:
        stack_ok.init()
        _run(clients(target), stack_ok, lambda: stack(True), scale)
    finally:
        progress.set_writer(previous_writer)
        if stack_ok.may_hold_resources:
            print("\n== Clean up (terraform destroy)", flush=True)
            # Retried, and a first interrupt during it only says so: interrupting a destroy is
            # how resources leak.
            destroy_with_retries(stack_ok)
