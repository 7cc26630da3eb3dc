"""What the emulator costs over time, measured on ``asyncdlq emulator`` run as its own process.

Prints figures, asserts nothing:
(a) SIGTERM-to-exit time with 10 attempts running handlers that loop forever, and what was left;
(b) the emulator's process tree and RSS after N create / invoke once / delete cycles;
(c) the emulator's RSS and event-log size after M async events of 100 KB each (a succeeding
    handler), once all have an outcome.

    .venv/bin/python bench/emulator_resources.py [--cycles 500] [--events 10000]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import runpy
import shlex
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
import zipfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config

from asyncdlq import process_sweep

REPO = Path(__file__).resolve().parents[1]
# The shutdown test's handler, read from its file: the repo's tests need not be importable here.
LOOPING = runpy.run_path(str(REPO / "tests" / "emulator" / "looping_handler.py"))["LOOPING"]

SUCCEEDING = """
def lambda_handler(event, context):
    return len(event.get("pad", ""))
"""
TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "lambda.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
)
SENDERS = 8  # client threads; the pool below keeps one connection per thread alive


def _zip(source: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("handler.py", source)
    return buffer.getvalue()


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


@dataclass
class Emulator:
    process: subprocess.Popen[bytes]
    endpoint: str
    stderr: Path

    def client(self, service: str) -> Any:
        return boto3.client(
            service,
            endpoint_url=self.endpoint,
            region_name="us-east-1",
            aws_access_key_id="test",
            aws_secret_access_key="test",
            config=Config(
                max_pool_connections=SENDERS * 2,
                retries={"mode": "standard", "max_attempts": 3},
                read_timeout=300,
            ),
        )

    def get(self, route: str) -> Any:
        with urllib.request.urlopen(f"{self.endpoint}/_asyncdlq/{route}", timeout=120) as reply:
            return json.loads(reply.read())

    def tree(self) -> list[process_sweep.ProcessInfo]:
        return process_sweep.descendants(self.process.pid)

    def role(self) -> str:
        name = f"bench-{uuid.uuid4().hex[:8]}"
        return self.client("iam").create_role(RoleName=name, AssumeRolePolicyDocument=TRUST)[
            "Role"
        ]["Arn"]


@contextmanager
def emulator(work: Path, *flags: str) -> Iterator[Emulator]:
    work.mkdir(parents=True, exist_ok=True)
    ready, stderr = work / "ready.json", work / "stderr.txt"
    cmd = [sys.executable, "-m", "asyncdlq", "emulator", "--port", "0", "--ready-file", str(ready)]
    with open(work / "stdout.txt", "wb") as out, open(stderr, "wb") as err:
        process = subprocess.Popen(
            [*cmd, *flags], stdout=out, stderr=err, stdin=subprocess.DEVNULL,
            start_new_session=True,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while not ready.exists():
            if process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"the emulator did not start:\n{stderr.read_text()}")
            time.sleep(0.05)
        yield Emulator(process, json.loads(ready.read_text())["endpoint"], stderr)
    finally:
        left = [p.pid for p in process_sweep.descendants(process.pid)]
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        process_sweep.kill_all(left)


def sigterm_with_looping_attempts(work: Path) -> None:
    with emulator(work / "a", "--time-scale", "0.01") as emu:
        started = work / "a" / "started"
        started.mkdir()
        lam, role = emu.client("lambda"), emu.role()
        # Several functions: each function's async concurrency is bounded on its own.
        for name, count in (("loop-a", 4), ("loop-b", 3), ("loop-c", 3)):
            lam.create_function(
                FunctionName=name, Runtime="python3.12", Role=role,
                Handler="handler.lambda_handler", Code={"ZipFile": _zip(LOOPING)}, Timeout=900,
                Environment={"Variables": {"STARTED_DIR": str(started)}},
            )  # fmt: skip
            lam.put_function_event_invoke_config(FunctionName=name, MaximumRetryAttempts=0)
            for _ in range(count):
                lam.invoke(FunctionName=name, InvocationType="Event", Payload=b"{}")
        deadline = time.monotonic() + 120
        while len(list(started.iterdir())) < 10 and time.monotonic() < deadline:
            time.sleep(0.1)
        running = len(list(started.iterdir()))
        tree = emu.tree()
        began = time.monotonic()
        emu.process.send_signal(signal.SIGTERM)
        try:
            emu.process.wait(timeout=60)
            exit_s = f"{time.monotonic() - began:.2f} s"
        except subprocess.TimeoutExpired:
            exit_s = "more than 60 s"
        time.sleep(1.0)  # let SIGKILLed processes finish dying before counting survivors
        survivors = [p for p in tree if process_sweep.same_alive(p)]
        reported = emu.stderr.read_text(errors="replace").count("pending")
        print(f"(a) SIGTERM with {running} looping attempts running: exited after {exit_s}; ")
        print(f"    {reported} stderr line(s) mention pending events; ", end="")
        print(f"{len(survivors)} of its {len(tree)} processes still alive 1 s after exit")


def create_delete_cycles(work: Path, cycles: int) -> None:
    with emulator(work / "b", "--time-scale", "0.01") as emu:
        lam, role = emu.client("lambda"), emu.role()
        code = _zip(SUCCEEDING)
        before = (len(emu.tree()), _rss_mb(emu.process.pid))
        began = time.monotonic()
        for cycle in range(cycles):
            name = f"cycle-{cycle}"
            lam.create_function(
                FunctionName=name, Runtime="python3.12", Role=role,
                Handler="handler.lambda_handler", Code={"ZipFile": code},
            )  # fmt: skip
            lam.invoke(FunctionName=name, Payload=b'{"pad": "x"}')
            lam.delete_function(FunctionName=name)
        elapsed = time.monotonic() - began
        time.sleep(2.0)  # deleted functions' environments stop in the background
        after = (len(emu.tree()), _rss_mb(emu.process.pid))
        print(
            f"(b) {cycles} create/invoke/delete cycles in {elapsed:.1f} s: processes in the "
            f"emulator's tree {before[0]} -> {after[0]}; emulator RSS "
            f"{before[1]:.0f} MB -> {after[1]:.0f} MB"
        )


def many_async_events(work: Path, events: int, payload_kb: int = 100) -> None:
    with emulator(work / "c", "--time-scale", "0.01") as emu:
        lam, role = emu.client("lambda"), emu.role()
        lam.create_function(
            FunctionName="many", Runtime="python3.12", Role=role,
            Handler="handler.lambda_handler", Code={"ZipFile": _zip(SUCCEEDING)},
        )  # fmt: skip
        payload = json.dumps({"pad": "x" * (payload_kb * 1024 - 11)}).encode()
        before = _rss_mb(emu.process.pid)
        began = time.monotonic()

        def send(_: int) -> None:
            lam.invoke(FunctionName="many", InvocationType="Event", Payload=payload)

        with ThreadPoolExecutor(SENDERS) as pool:
            list(pool.map(send, range(events)))
        sent_s = time.monotonic() - began
        deadline = time.monotonic() + 3600
        while True:
            summaries = emu.get("invocations")["invocations"]
            done = sum(1 for e in summaries if e.get("outcome"))
            if done >= events or time.monotonic() > deadline:
                break
            time.sleep(5)
        total_s = time.monotonic() - began
        rss = _rss_mb(emu.process.pid)
        health = emu.get("health")
        log_figures = {k: v for k, v in health.items() if "event" in k or "log" in k}
        listing = len(json.dumps(summaries))
        print(
            f"(c) {events} async events of {len(payload) // 1024} KB: sent in {sent_s:.1f} s, "
            f"{done} with an outcome after {total_s:.1f} s; emulator RSS {before:.0f} MB -> "
            f"{rss:.0f} MB; /_asyncdlq/invocations lists {len(summaries)} events "
            f"({listing / 1e6:.1f} MB of JSON); event log per /_asyncdlq/health: "
            f"{log_figures or 'not reported'}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cycles", type=int, default=500)
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--skip", default="", help="letters of the parts to skip, e.g. ab")
    args = parser.parse_args()
    print("$", shlex.join([sys.executable, *sys.argv]), flush=True)
    print(f"machine: {os.cpu_count()} cores; emulator: {sys.executable} -m asyncdlq emulator")
    with tempfile.TemporaryDirectory(prefix="asyncdlq-resources-") as tmp:
        work = Path(tmp)
        if "a" not in args.skip:
            sigterm_with_looping_attempts(work)
        if "b" not in args.skip:
            create_delete_cycles(work, args.cycles)
        if "c" not in args.skip:
            many_async_events(work, args.events)


if __name__ == "__main__":
    main()
