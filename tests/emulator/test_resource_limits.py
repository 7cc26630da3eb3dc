"""Limits the emulator enforces from outside the handler: response size, MemorySize at all times,
the log budget, environments retired when deleted or idle; and its own failures reported as
exceptions, never as a function's error."""

from __future__ import annotations

import json
import os
import signal
import time

import pytest

from asyncdlq.emulator.runtime import environment
from asyncdlq.emulator.runtime.runtime_process import Spawner
from asyncdlq.emulator.runtime.workers import RuntimeFailure, WorkerPool

from .helpers import invoke, log_messages
from .pool_helpers import alive, spec_for, wait_gone

LIMIT = 6_291_556


@pytest.fixture
def pool(emulator):
    p = WorkerPool(emulator.endpoint_url)
    yield p
    p.shutdown()


def _run(pool: WorkerPool, spec, payload: bytes = b"{}"):
    worker = pool.acquire(spec)
    try:
        return worker, worker.invoke("req", payload, spec.qualified_arn)
    finally:
        pool.release(worker)


def test_a_response_over_6_mb_is_function_response_size_too_large(aws, deploy) -> None:
    fn = deploy(
        "def lambda_handler(event, context):\n    return 'x' * (event['n'] - 2)\n", timeout=30
    )
    lam = aws.client("lambda")
    at_limit = lam.invoke(FunctionName=fn.name, Payload=json.dumps({"n": LIMIT}).encode())
    assert "FunctionError" not in at_limit and len(at_limit["Payload"].read()) == LIMIT
    for size in (LIMIT + 1, 9 * 1024 * 1024):  # 9 MB used to end as a false Sandbox.Timedout
        started = time.monotonic()
        response = lam.invoke(FunctionName=fn.name, Payload=json.dumps({"n": size}).encode())
        assert time.monotonic() - started < 10
        assert response["FunctionError"] == "Unhandled"
        assert json.loads(response["Payload"].read()) == {
            "errorMessage": "Response payload size exceeded maximum allowed payload size "
            f"({LIMIT} bytes).",
            "errorType": "Function.ResponseSizeTooLarge",
        }
    again = lam.invoke(FunctionName=fn.name, Payload=b'{"n": 4}')
    assert again["Payload"].read() == b'"xx"'


@pytest.mark.parametrize("runtime", ["python3.11", "python3.12"])
def test_a_lone_surrogate_comes_back_escaped(pool, runtime) -> None:
    spec = spec_for(
        "def lambda_handler(event, context):\n    print('\\ud800 printed')\n"
        "    return {'s': '\\ud800', 'e': '\\u00e9'}\n",
        runtime=runtime,
    )
    _, result = _run(pool, spec)
    assert result.ok  # nothing in the emulator raised: the whole result is escaped JSON
    assert result.payload == b'{"s": "\\ud800", "e": "\\u00e9"}'
    plain = spec_for("def lambda_handler(event, context):\n    return '\u00e9'\n", runtime=runtime)
    _, result = _run(pool, plain)
    # awslambdaric: ensure_ascii=False on python3.12 and 3.13 only.
    assert result.payload == ('"\\u00e9"' if runtime == "python3.11" else '"\u00e9"').encode()


def test_deleting_functions_stops_their_environments(aws, emulator) -> None:
    lam, pool = aws.client("lambda"), emulator.emulator.pool
    role = aws.client("iam").create_role(
        RoleName=f"cycle-{os.getpid()}", AssumeRolePolicyDocument="{}"
    )["Role"]["Arn"]
    source = "def lambda_handler(event, context):\n    return 1\n"
    from .conftest import wait_active, zip_source

    before = len(pool.processes())
    for i in range(12):
        name = f"cycle-{os.getpid()}-{i}"
        lam.create_function(
            FunctionName=name,
            Runtime="python3.12",
            Role=role,
            Handler="handler.lambda_handler",
            Code={"ZipFile": zip_source(source)},
        )
        wait_active(lam, name)  # Invoke fails while the function is Pending, as on AWS
        lam.invoke(FunctionName=name, Payload=b"{}")
        lam.delete_function(FunctionName=name)
    assert len(pool.processes()) <= before + 1  # a spare may have been started meanwhile


def test_idle_environments_retire(emulator) -> None:
    pool = WorkerPool(emulator.endpoint_url, idle_timeout_s=0.5)
    try:
        spec = spec_for("def lambda_handler(event, context):\n    return 1\n")
        worker, result = _run(pool, spec)
        assert result.ok and alive(worker.process.pid)
        assert wait_gone([worker.process.pid], timeout_s=5) == []
        _, again = _run(pool, spec)
        assert again.ok and again.cold_start
    finally:
        pool.shutdown()


def test_an_environment_is_frozen_between_invocations(pool) -> None:
    spec = spec_for("def lambda_handler(event, context):\n    return 1\n")
    worker, _ = _run(pool, spec)

    def state() -> str:
        with open(f"/proc/{worker.process.pid}/stat") as stat:
            return stat.read().rsplit(") ", 1)[1][0]

    deadline = time.monotonic() + 5  # the signal is delivered asynchronously
    while state() != "T" and time.monotonic() < deadline:
        time.sleep(0.01)
    assert state() == "T"  # stopped, as Lambda freezes it
    _, again = _run(pool, spec)
    assert again.ok and not again.cold_start


HOARDER = """
import threading, time
_kept = []

def _hoard():
    for _ in range(60):
        _kept.append(bytearray(10 * 1024 * 1024))
        time.sleep(0.02)

def lambda_handler(event, context):
    if event.get("start"):
        threading.Thread(target=_hoard, daemon=True).start()
        return "started"
    time.sleep(event.get("sleep", 0))
    return len(_kept)
"""


def test_memory_held_by_a_background_thread_is_enforced(pool) -> None:
    spec = spec_for(HOARDER, memory_mb=128, timeout_s=10)
    worker = pool.acquire(spec)
    try:
        first = worker.invoke("r1", b'{"start": 1}', spec.qualified_arn)
        second = worker.invoke("r2", b'{"sleep": 5}', spec.qualified_arn)
    finally:
        pool.release(worker)
    assert first.payload == b'"started"'
    assert second.error_type == "Runtime.OutOfMemory"
    assert second.error_message == (
        "RequestId: r2 Error: Runtime exited with error: signal: killed"
    )


def test_the_log_budget_cannot_be_lifted_by_the_function(aws, deploy) -> None:
    fn = deploy(
        "import __main__, os\n"
        "def lambda_handler(event, context):\n"
        "    __main__._LINES_WANTED = 10 ** 9\n"
        "    __main__._MAX_EVENT_BYTES = 10 ** 9\n"
        "    for i in range(20_000):\n        print(i)\n"
        "    return sorted(k for k in os.environ if k.startswith('ASYNCDLQ'))\n",
        timeout=20,
        env={"ASYNCDLQ_LOG_LIMITS": "1000000000,1000000000,262118"},
    )
    _, raw, _ = invoke(aws, fn.name)
    # The variable reaches the function as AWS would pass it on, and changes nothing.
    assert raw == '["ASYNCDLQ_LOG_LIMITS"]'
    assert len([m for m in log_messages(aws, fn.name) if m.isdigit()]) == 10_000


def test_lambdas_own_variables_win_over_the_functions(pool) -> None:
    spec = spec_for(
        "import os\ndef lambda_handler(event, context):\n"
        "    return [os.environ['AWS_LAMBDA_FUNCTION_NAME'], os.environ['MINE']]\n",
        name="real-name",
        env={"AWS_LAMBDA_FUNCTION_NAME": "fake", "MINE": "kept", "ASYNCDLQ_SPAWN": "x"},
    )
    _, result = _run(pool, spec)
    assert json.loads(result.payload) == ["real-name", "kept"]


def test_code_that_is_not_a_zip_is_an_emulator_failure_holding_nothing(pool) -> None:
    spec = spec_for("", code_zip=b"not a zip")
    with pytest.raises(RuntimeFailure, match="cannot extract"):
        pool.acquire(spec, limit=1)
    assert pool.busy(spec.function_arn) == 0


def test_a_missing_interpreter_is_an_emulator_failure(pool, monkeypatch) -> None:
    monkeypatch.setattr(environment, "interpreter_for", lambda runtime: "/nonexistent/python")
    spec = spec_for("def lambda_handler(event, context):\n    return 1\n")
    with pytest.raises(RuntimeFailure, match="could not start"):
        pool.acquire(spec, limit=1)
    assert pool.busy(spec.function_arn) == 0


def test_a_spare_that_died_is_an_emulator_failure(pool, monkeypatch) -> None:
    take = Spawner.take

    def dead_take(self, interpreter):
        spare = take(self, interpreter)
        os.killpg(spare.pid, signal.SIGKILL)
        spare.popen.wait()
        return spare

    monkeypatch.setattr(Spawner, "take", dead_take)
    spec = spec_for("def lambda_handler(event, context):\n    return 1\n")
    with pytest.raises(RuntimeFailure):
        worker = pool.acquire(spec, limit=1)
        try:
            worker.invoke("r", b"{}", spec.qualified_arn)
        finally:
            pool.release(worker)
    assert pool.busy(spec.function_arn) == 0


def test_a_runtime_that_ends_before_starting_is_an_emulator_failure(pool, monkeypatch) -> None:
    monkeypatch.setattr(environment, "interpreter_for", lambda runtime: "/bin/false")
    spec = spec_for("def lambda_handler(event, context):\n    return 1\n")
    with pytest.raises(RuntimeFailure):
        worker = pool.acquire(spec, limit=1)
        try:
            worker.invoke("r", b"{}", spec.qualified_arn)
        finally:
            pool.release(worker)
    assert pool.busy(spec.function_arn) == 0
    assert wait_gone(pool.processes()) == [] or all(
        p in pool._spawner.spare_pids() for p in pool.processes()
    )
