"""Interrupted runs leave nothing behind: Ctrl-C in the middle of an apply, SIGTERM in the middle
of a wait (also under pytest-xdist, where the controller passes it on to its workers).

Each case runs an inner pytest that applies the module for real against the in-process emulator,
interrupts it at a known point, and then lists what the emulator still holds under the run's
name prefix. The stack (stacks/interruptible) uses a queue made here as its DLQ so its apply avoids the
provider's ~25 s wait for a new queue.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import textwrap
import time
import uuid
from pathlib import Path
from typing import Any

import pytest

from asyncdlq import process_sweep
from asyncdlq.packaging import build_zip

ROOT = Path(__file__).resolve().parents[2]


STACK = ROOT / "tests" / "harness" / "stacks" / "interruptible"

# Signals the outer test through a file when the inner test reaches its wait.
INNER_TEST = """
import json, os, pathlib, time
from asyncdlq.client.invoker import invoke_async

VARIABLES = json.loads(os.environ["INNER_VARIABLES"])
STACK = os.environ["INNER_STACK"]

def _wait_forever(asyncdlq_stack, asyncdlq_clients, asyncdlq_run_prefix):
    applied = asyncdlq_stack(STACK, {**VARIABLES, "name_prefix": asyncdlq_run_prefix})
    invoke_async(asyncdlq_clients.lambda_, applied.outputs["function_name"], b"{}")
    marker = pathlib.Path(os.environ["INNER_MARKERS"]) / asyncdlq_run_prefix
    marker.write_text("waiting")
    time.sleep(600)

def test_one(asyncdlq_stack, asyncdlq_clients, asyncdlq_run_prefix):
    _wait_forever(asyncdlq_stack, asyncdlq_clients, asyncdlq_run_prefix)

def test_two(asyncdlq_stack, asyncdlq_clients, asyncdlq_run_prefix):
    _wait_forever(asyncdlq_stack, asyncdlq_clients, asyncdlq_run_prefix)
"""


def _leftovers(aws: Any, prefix: str) -> list[str]:
    """Everything in the emulator whose name carries ``prefix``."""
    lam, iam, logs = aws.client("lambda"), aws.client("iam"), aws.client("logs")
    left = [f["FunctionName"] for f in lam.list_functions()["Functions"]]
    left += [r["RoleName"] for r in iam.list_roles()["Roles"]]
    groups = logs.describe_log_groups(logGroupNamePrefix="/aws/lambda/")["logGroups"]
    left += [g["logGroupName"] for g in groups]
    return sorted(name for name in left if prefix in name)


def _processes_of(run: InnerRun) -> list[str]:
    """Live processes started by the inner run (its pytest processes, their terraform and
    provider plugins, anything those started): all inherit the run's own ASYNCDLQ_STATE_DIR, which
    no other test's processes carry. A process that dropped its environment would escape this, so
    the inner pytest's own process tree is checked too (see ``_tree``)."""
    state_dir = run.env["ASYNCDLQ_STATE_DIR"]
    found = process_sweep.marked("ASYNCDLQ_STATE_DIR", state_dir)
    return [f"{p.pid} {p.name}: {' '.join(process_sweep.cmdline_of(p.pid))[:200]}" for p in found]


def _assert_nothing_left(run: InnerRun, tree: set[process_sweep.ProcessInfo]) -> None:
    """No process of the run is alive: neither one found by its environment marker nor one of the
    inner pytest's descendants seen while it ran. A terraform-provider-aws that outlives its
    terraform keeps the marker, whoever its parent has become; a short grace lets killed ones go."""
    deadline = time.monotonic() + 10
    while True:
        left = _processes_of(run)
        survivors = [p for p in tree if process_sweep.same_alive(p)]
        if (not left and not survivors) or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    described = left + [f"{p.pid} {p.name} (in the run's process tree)" for p in survivors]
    assert described == [], "\n".join(described) + "\n" + run.text()


class _TreeWatch:
    """Collects every pid that was a descendant of the inner pytest while it ran."""

    def __init__(self, root_pid: int) -> None:
        self.root_pid, self.seen = root_pid, set[process_sweep.ProcessInfo]()

    def poll(self) -> None:
        self.seen.update(process_sweep.descendants(self.root_pid))


def _interruptible() -> None:
    """In the child: Ctrl-C does its default again. A shell starts background jobs with SIGINT
    ignored and children inherit that, so a test run launched as `make test &` would otherwise
    give an inner pytest that ignores the very interrupt these tests send."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


class InnerRun:
    def __init__(self, root: Path, endpoint: str, dlq_arn: str, run_id: str) -> None:
        self.root, self.run_id = root, run_id
        (root / "pytest.ini").write_text("[pytest]\n")
        (root / "test_inner.py").write_text(textwrap.dedent(INNER_TEST))
        self.markers = root / "markers"
        self.markers.mkdir()
        package = build_zip(ROOT / "lambda", root / "lambda.zip")
        variables = {"package_path": str(package), "dlq_arn": dlq_arn}
        self.env = {
            **os.environ,
            "TARGET": "local",
            "ASYNCDLQ_ENDPOINT": endpoint,
            "ASYNCDLQ_STATE_DIR": str(root / "state"),
            "ASYNCDLQ_RUN_ID": run_id,
            "INNER_VARIABLES": json.dumps(variables),
            "INNER_STACK": str(STACK),
            "INNER_MARKERS": str(self.markers),
            "PYTHONUNBUFFERED": "1",
        }
        self.env.pop("PYTEST_ADDOPTS", None)
        self.output = root / "output.txt"

    def start(self, *args: str) -> subprocess.Popen[bytes]:
        with open(self.output, "wb") as out:
            return subprocess.Popen(
                [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "-s", *args],
                cwd=self.root,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                preexec_fn=_interruptible,
            )

    def text(self) -> str:
        return self.output.read_text(errors="replace")


def _wait_until(
    predicate: Any, timeout_s: float, what: str, run: InnerRun, watch: _TreeWatch | None = None
) -> None:
    deadline = time.monotonic() + timeout_s
    while not predicate():
        if watch is not None:
            watch.poll()
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not happen within {timeout_s}s:\n{run.text()}")
        time.sleep(0.2)


def _wait_exit(proc: subprocess.Popen[bytes], timeout_s: float, watch: _TreeWatch) -> int:
    """The inner pytest's exit code, polling its tree meanwhile (teardown starts new terraforms)."""
    deadline = time.monotonic() + timeout_s
    while proc.poll() is None and time.monotonic() < deadline:
        watch.poll()
        time.sleep(0.2)
    return proc.wait(timeout=1)


@pytest.fixture
def inner(tmp_path: Path, aws: Any, emulator: Any) -> InnerRun:
    sqs = aws.client("sqs")
    url = sqs.create_queue(QueueName=f"kept-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    return InnerRun(tmp_path, emulator.endpoint_url, arn, f"int{uuid.uuid4().hex[:6]}")


def test_ctrl_c_in_the_middle_of_apply_leaves_nothing(inner: InnerRun, aws: Any) -> None:
    prefix = f"adlq-{inner.run_id}"
    proc = inner.start("-k", "test_one")
    iam = aws.client("iam")

    def role_exists() -> bool:
        return any(prefix in r["RoleName"] for r in iam.list_roles()["Roles"])

    # The role is created first; the function (5 s provider wait) is then in flight.
    watch = _TreeWatch(proc.pid)
    _wait_until(role_exists, 120, "the apply creating the role", inner, watch)
    watch.poll()
    assert any(
        "terraform-provi" in p.name
        for p in process_sweep.marked("ASYNCDLQ_STATE_DIR", inner.env["ASYNCDLQ_STATE_DIR"])
    ), "the marker does not find the running provider: the final check would prove nothing"
    proc.send_signal(signal.SIGINT)
    code = _wait_exit(proc, 180, watch)
    output = inner.text()
    assert code == 2, output  # pytest's "interrupted"
    # The interrupt landed while the apply ran: it started and never finished.
    assert re.search(r"terraform apply \([^)]*interruptible\) \.\.\.", output), output
    assert not re.search(r"terraform apply \([^)]*interruptible\) done", output), output
    assert "terraform destroy" in output
    assert _leftovers(aws, prefix) == [], output
    assert not list((inner.root / "state").glob("runs/*/pending/*")), output
    _assert_nothing_left(inner, watch.seen)


def test_sigterm_while_workers_wait_leaves_nothing(inner: InnerRun, aws: Any) -> None:
    prefix = f"adlq-{inner.run_id}"
    proc = inner.start("-n", "2", "-p", "xdist")
    watch = _TreeWatch(proc.pid)
    _wait_until(
        lambda: len(list(inner.markers.iterdir())) == 2, 240, "both workers waiting", inner, watch
    )
    assert len(_leftovers(aws, prefix)) == 2 * 3, inner.text()  # function, role, group each
    watch.poll()
    assert len(watch.seen) >= 2, "the workers are not in the tree: the final check proves nothing"
    proc.send_signal(signal.SIGTERM)  # to the controller only, as a CI runner would
    code = _wait_exit(proc, 240, watch)
    output = inner.text()
    assert code != 0, output
    assert _leftovers(aws, prefix) == [], output
    assert not list((inner.root / "state").glob("runs/*/pending/*")), output
    _assert_nothing_left(inner, watch.seen)
