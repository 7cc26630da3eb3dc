"""Emulator performance, as ratios to floors measured in the same run (shared machines drift).

    .venv/bin/python bench/emulator_perf.py            # full run, a few minutes on 2 cores
    .venv/bin/python bench/emulator_perf.py --quick    # smaller counts, a smoke run (< 60 s)
    .venv/bin/python bench/emulator_perf.py --only queue-drain   # one section

Prints numbers, not a test: each line is a measured value, its target and PASS/FAIL; the exit
status is 1 if any target failed.

The emulator runs as a subprocess (``python -m asyncdlq emulator``), the way ``make`` and the
harness run it: in-process, boto3's own CPU work (signing, serializing, parsing; about as much as
the server's per call) would share one GIL with the server, and "4 client threads" would measure
that GIL, not the server. One boto3 client per thread, keep-alive (boto3's connection pool),
loopback only, bounded loops only.

Floors, measured in this run:
- ``GetFunction`` p50: a round trip through the same server that executes nothing;
- ``python -c pass`` p50 with the interpreter the emulator picks for the runtime;
- the rate of sequential synchronous invokes of a trivial handler.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import queue_drain as queue_drain_bench  # bench/queue_drain.py, next to this script
from botocore.config import Config
from queue_drain import timed

REPO = Path(__file__).resolve().parents[1]
RUNTIME = f"python{sys.version_info.major}.{sys.version_info.minor}"
TIME_SCALE = "1/1000"

TRIVIAL = "def lambda_handler(e, c):\n    return 1\n"
FAILING = "def lambda_handler(e, c):\n    raise Exception('Something went wrong')\n"
ROLE_POLICY = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": ["sqs:SendMessage"], "Resource": "*"}],
}


@dataclass
class Sizes:
    samples: int  # latency samples per p50
    throughput_calls: int  # Event invokes per thread count
    cold: int  # cold invokes (new functions)
    burst_ok: int  # async invokes with an on-success destination
    burst_fail: int  # failing async invokes with retries 2
    wait_s: float  # upper bound to wait for a burst to finish


FULL = Sizes(
    samples=300, throughput_calls=600, cold=9, burst_ok=10_000, burst_fail=1_000, wait_s=120
)
QUICK = Sizes(samples=60, throughput_calls=150, cold=3, burst_ok=400, burst_fail=100, wait_s=30)

failures: list[str] = []


def report(name: str, value: float, target: float, unit: str, higher_is_better: bool) -> None:
    ok = value >= target if higher_is_better else value <= target
    sign = ">=" if higher_is_better else "<="
    print(
        f"  {name:<46} {value:10.2f} {unit:<6} target {sign} {target:.2f}  {'PASS' if ok else 'FAIL'}"
    )
    if not ok:
        failures.append(name)


def check(name: str, ok: bool, detail: str) -> None:
    print(f"  {name:<46} {detail}  {'PASS' if ok else 'FAIL'}")
    if not ok:
        failures.append(name)


def p50_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


# -- the emulator ---------------------------------------------------------------------------------
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


def in_threads(threads: int, per_thread: Callable[[int], Any]) -> tuple[list[Any], float]:
    """Run ``per_thread(i)`` on ``threads`` threads at once; their results and the wall time."""
    results: list[Any] = [None] * threads
    errors: list[BaseException] = []
    barrier = threading.Barrier(threads + 1)

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = per_thread(i)
        except BaseException as exc:  # reported below, never swallowed
            errors.append(exc)

    workers = [threading.Thread(target=run, args=(i,)) for i in range(threads)]
    for w in workers:
        w.start()
    barrier.wait()
    started = time.perf_counter()
    for w in workers:
        w.join()
    elapsed = time.perf_counter() - started
    if errors:
        raise errors[0]
    return results, elapsed


def fire_events(
    url: str, function: str, count: int, threads: int = 4, budget_s: float = 600
) -> tuple[list[str], float]:
    """Up to ``count`` Event invokes from ``threads`` clients, stopping after ``budget_s``.

    Returns the request IDs of the 202s and the wall time.
    """
    clients = [client(url, "lambda") for _ in range(threads)]
    deadline = time.monotonic() + budget_s

    def run(i: int) -> list[str]:
        ids = []
        for k in range(i, count, threads):
            if time.monotonic() > deadline:
                break
            resp = invoke(clients[i], function, "Event", json.dumps({"n": k}))
            assert resp["StatusCode"] == 202, resp
            ids.append(resp["ResponseMetadata"]["RequestId"])
        return ids

    results, elapsed = in_threads(threads, run)
    return [rid for ids in results for rid in ids], elapsed


def wait_for_outcomes(
    emu: Emulator, request_ids: list[str], wait_s: float
) -> dict[str, dict[str, Any]]:
    wanted = set(request_ids)
    deadline = time.monotonic() + wait_s
    while True:
        events = {rid: e for rid, e in emu.invocations().items() if rid in wanted}
        done = sum(1 for e in events.values() if e["outcome"])
        if done == len(wanted) or time.monotonic() > deadline:
            return events
        time.sleep(1.0 if len(wanted) > 1000 else 0.2)


def queue_depth(sqs: Any, url: str) -> int:
    attrs = sqs.get_queue_attributes(
        QueueUrl=url,
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return int(attrs["ApproximateNumberOfMessages"]) + int(
        attrs["ApproximateNumberOfMessagesNotVisible"]
    )


def drain(sqs: Any, url: str, limit: int) -> list[dict[str, Any]]:
    """Every message of the queue (received once each, then deleted), at most ``limit``."""
    out: list[dict[str, Any]] = []
    for _ in range(limit // 10 + 5):
        batch = sqs.receive_message(
            QueueUrl=url,
            MaxNumberOfMessages=10,
            VisibilityTimeout=900,
            MessageAttributeNames=["All"],
        ).get("Messages", [])
        if not batch:
            break
        out += batch
        sqs.delete_message_batch(
            QueueUrl=url,
            Entries=[
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(batch)
            ],
        )
    return out


def span_s(events: list[dict[str, Any]]) -> float:
    """From the first event accepted to the last finished, on the emulator's clock."""
    return max(e["finished_at"] for e in events) - min(e["received_at"] for e in events)


# -- the measurements -----------------------------------------------------------------------------
def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="smaller counts, a smoke run")
    parser.add_argument(
        "--only", choices=sorted(SECTIONS), help="run one section instead of all of them"
    )
    parser.add_argument(
        "--endpoint",
        help="measure an emulator that is already running (started with --time-scale 1/1000), "
        "e.g. under py-spy; by default one is started on a free port and stopped at the end",
    )
    args = parser.parse_args()
    size = QUICK if args.quick else FULL
    run_started = time.monotonic()
    print(f"emulator_perf ({'quick' if args.quick else 'full'}): {RUNTIME}, {os.cpu_count()} CPUs")

    emu = Emulator(args.endpoint)
    try:
        SECTIONS[args.only](emu, size) if args.only else run(emu, size)
    finally:
        emu.stop()
    print(f"\n{len(failures)} target(s) failed; {time.monotonic() - run_started:.0f} s in all")
    if failures:
        print("failed: " + ", ".join(failures))
    return 1 if failures else 0


def run(emu: Emulator, size: Sizes) -> None:
    url = emu.url
    deploy = Deployer(url)
    lam = deploy.lam
    trivial = deploy.function(TRIVIAL)
    invoke(lam, trivial)  # a warm worker for what follows

    print(f"\nlatency (p50 over {size.samples} calls, one client, keep-alive)")
    timed(lambda: lam.get_function(FunctionName=trivial), 20)  # connection and caches warm
    floor = p50_ms(timed(lambda: lam.get_function(FunctionName=trivial), size.samples))
    print(f"  {'floor: GetFunction':<46} {floor:10.2f} ms")

    sync_samples = timed(lambda: invoke(lam, trivial), size.samples)
    sync = p50_ms(sync_samples)
    sync_rate = len(sync_samples) / sum(sync_samples)
    print(f"  {'warm sync invoke':<46} {sync:10.2f} ms")
    report("warm sync invoke / floor", sync / floor, 1.5, "x", higher_is_better=False)

    accept_fn = deploy.function(TRIVIAL)
    invoke(lam, accept_fn)
    accept_ids: list[str] = []

    def accept() -> None:
        resp = invoke(lam, accept_fn, "Event")
        accept_ids.append(resp["ResponseMetadata"]["RequestId"])

    accept_p50 = p50_ms(timed(accept, size.samples))
    print(f"  {'async accept (202)':<46} {accept_p50:10.2f} ms")
    report("async accept / floor", accept_p50 / floor, 1.3, "x", higher_is_better=False)
    wait_for_outcomes(emu, accept_ids, size.wait_s)

    print(f"\nasync accept throughput ({size.throughput_calls} Event invokes per run)")
    rates = {}
    for threads in (1, 4):
        ids, elapsed = fire_events(url, accept_fn, size.throughput_calls, threads)
        rates[threads] = len(ids) / elapsed
        print(f"  {f'{threads} client thread(s)':<46} {rates[threads]:10.1f} /s")
        wait_for_outcomes(emu, ids, size.wait_s)  # the next run starts from an idle engine
    report("accepted/s, 4 threads / 1 thread", rates[4] / rates[1], 1.0, "x", higher_is_better=True)

    print(f"\ncold invoke (new function, first invoke; p50 of {size.cold})")
    sys.path.insert(0, str(REPO / "src"))
    from asyncdlq.emulator.runtime.interpreters import interpreter_for

    interpreter = interpreter_for(RUNTIME)
    bare = p50_ms(
        timed(lambda: subprocess.run([interpreter, "-c", "pass"], check=True), size.cold * 2)
    )
    print(f"  {'floor: ' + Path(interpreter).name + ' -c pass':<46} {bare:10.2f} ms")
    cold_samples = []
    for i in range(size.cold):
        fn = deploy.function(TRIVIAL + f"# {i}\n")
        cold_samples += timed(lambda fn=fn: invoke(lam, fn), 1)
    cold = p50_ms(cold_samples)
    print(f"  {'cold invoke':<46} {cold:10.2f} ms")
    report("cold invoke / bare interpreter", cold / bare, 2.0, "x", higher_is_better=False)

    burst_on_success(emu, deploy, size, sync_rate)
    burst_failing(emu, deploy, size)
    queue_drain(emu, size)


def burst_on_success(emu: Emulator, deploy: Deployer, size: Sizes, sync_rate: float) -> None:
    n = size.burst_ok
    print(f"\nburst: {n} async invokes, trivial handler, on-success destination (SQS)")
    queue_url, queue_arn = deploy.queue(f"bench-ok-{uuid.uuid4().hex[:8]}")
    fn = deploy.function(TRIVIAL)
    deploy.lam.put_function_event_invoke_config(
        FunctionName=fn,
        MaximumRetryAttempts=0,
        DestinationConfig={"OnSuccess": {"Destination": queue_arn}},
    )
    ids, fire_s = fire_events(emu.url, fn, n, budget_s=size.wait_s)
    check(
        "accepted", len(ids) == n, f"{len(ids)}/{n} in {fire_s:.1f} s ({len(ids) / fire_s:.0f}/s)"
    )
    events = wait_for_outcomes(emu, ids, size.wait_s)
    success = [e for e in events.values() if e["outcome"] == "Success"]
    check("every event Success", len(success) == n, f"{len(success)}/{n} (introspection)")
    if success:
        rate = len(success) / span_s(success)
        print(f"  {'floor: sequential sync invokes':<46} {sync_rate:10.1f} /s")
        report("completion rate / sequential sync rate", rate / sync_rate, 1.0, "x", True)
    # The destination: the engine records each delivery; the queue must hold one record each.
    deliveries = [d for e in success for d in e.get("deliveries", []) if d["kind"] == "on-success"]
    if not deliveries:
        check("on-success destination", False, "engine recorded no on-success delivery")
        return
    delivered = sum(1 for d in deliveries if d.get("delivered"))
    check("on-success deliveries recorded", delivered == n, f"{delivered}/{n} delivered")
    depth = queue_depth(deploy.sqs, queue_url)
    check("destination queue depth", depth == n, f"{depth}/{n} messages")
    started = time.perf_counter()
    records = drain(deploy.sqs, queue_url, n)
    drain_s = time.perf_counter() - started
    rids = {json.loads(m["Body"])["requestContext"]["requestId"] for m in records}
    check(
        "destination records, one per event",
        len(records) == n and rids == set(ids),
        f"{len(records)} records, {len(rids)} distinct request IDs in {drain_s:.1f} s",
    )


def burst_failing(emu: Emulator, deploy: Deployer, size: Sizes) -> None:
    n = size.burst_fail
    print(f"\nburst: {n} failing async invokes, retries 2, time scale {TIME_SCALE}, SQS DLQ")
    dlq_url, dlq_arn = deploy.queue(f"bench-dlq-{uuid.uuid4().hex[:8]}")
    fn = deploy.function(FAILING, dlq_arn)
    deploy.lam.put_function_event_invoke_config(FunctionName=fn, MaximumRetryAttempts=2)
    ids, fire_s = fire_events(emu.url, fn, n, budget_s=size.wait_s)
    check(
        "accepted", len(ids) == n, f"{len(ids)}/{n} in {fire_s:.1f} s ({len(ids) / fire_s:.0f}/s)"
    )
    events = wait_for_outcomes(emu, ids, size.wait_s)
    exhausted = [e for e in events.values() if e["outcome"] == "RetriesExhausted"]
    three = sum(1 for e in exhausted if len(e["attempts"]) == 3)
    check("every event RetriesExhausted", len(exhausted) == n, f"{len(exhausted)}/{n}")
    check("3 attempts each", three == n, f"{three}/{n}")
    if exhausted:
        print(f"  {'accept to last DLQ delivery':<46} {span_s(exhausted):10.1f} s")
    messages = drain(deploy.sqs, dlq_url, n * 2)
    rids = [
        m.get("MessageAttributes", {}).get("RequestID", {}).get("StringValue") for m in messages
    ]
    check(
        "DLQ: every event exactly once",
        len(messages) == n and set(rids) == set(ids),
        f"{len(messages)} messages, {len(set(rids))} distinct RequestID (want {n} and {n})",
    )


def queue_drain(emu: Emulator, size: Sizes) -> None:
    print("\nqueue drain (one client: ReceiveMessage of 10, then DeleteMessageBatch)")
    depths = queue_drain_bench.QUICK_DEPTHS if size is QUICK else queue_drain_bench.DEPTHS
    queue_drain_bench.run(emu.url, depths, size.samples, client, report, check)


SECTIONS: dict[str, Callable[[Emulator, Sizes], None]] = {"queue-drain": queue_drain}


if __name__ == "__main__":
    sys.exit(main())
