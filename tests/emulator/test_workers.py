"""WorkerPool: per-function limits, replacement of crashed workers, recycling, interpreters."""

from __future__ import annotations

import glob
import logging
import os
import sys
import threading
import time

import pytest

from asyncdlq.emulator.runtime import interpreters
from asyncdlq.emulator.runtime.spec import FunctionSpec
from asyncdlq.emulator.runtime.workers import Throttled, WorkerPool

from .conftest import zip_source

SOURCE = """
import os, subprocess
def lambda_handler(event, context):
    if event.get("exit"):
        os._exit(3)
    if event.get("child"):
        return subprocess.Popen(["sleep", "300"]).pid
    return "ok"
"""


def _spec(name: str = "pool-fn") -> FunctionSpec:
    return FunctionSpec(
        account_id="123456789012",
        region="us-east-1",
        function_name=name,
        function_arn=f"arn:aws:lambda:us-east-1:123456789012:function:{name}",
        version="$LATEST",
        handler="handler.lambda_handler",
        runtime=f"python{sys.version_info.major}.{sys.version_info.minor}",
        memory_mb=128,
        timeout_s=3,
        environment=(),
        code_sha256="x",
        code_zip=zip_source(SOURCE),
    )


@pytest.fixture
def pool(emulator):  # the emulator fixture provides the moto log backend the streams live in
    p = WorkerPool(emulator.endpoint_url)
    yield p
    p.shutdown()


def test_limit_throttles_exactly_under_threads(pool) -> None:
    spec = _spec()
    got, throttled, lock = [], [], threading.Lock()

    def take() -> None:
        try:
            w = pool.acquire(spec, limit=3)
            with lock:
                got.append(w)
        except Throttled:
            with lock:
                throttled.append(1)

    threads = [threading.Thread(target=take) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert (len(got), len(throttled), pool.busy(spec.function_arn)) == (3, 5, 3)
    pool.release(got.pop())
    assert pool.busy(spec.function_arn) == 2
    got.append(pool.acquire(spec, limit=3))  # a slot is free again
    with pytest.raises(Throttled):
        pool.acquire(spec, limit=3)
    for w in got:
        pool.release(w)
    assert pool.busy(spec.function_arn) == 0
    pool.release(got[0])  # a second release of the same worker does not go negative
    assert pool.busy(spec.function_arn) == 0


def test_crashed_worker_is_replaced_with_a_new_stream_and_a_cold_start(pool) -> None:
    spec = _spec()
    worker = pool.acquire(spec)
    first = worker.invoke("req-1", b"{}", spec.qualified_arn)
    crash = worker.invoke("req-2", b'{"exit": 1}', spec.qualified_arn)
    pool.release(worker)
    assert first.cold_start and not crash.cold_start
    assert crash.error_message == "RequestId: req-2 Error: Runtime exited with error: exit status 3"
    again = pool.acquire(spec)
    result = again.invoke("req-3", b"{}", spec.qualified_arn)
    pool.release(again)
    assert again is not worker and result.ok and result.cold_start and result.init_ms
    assert result.log_stream != first.log_stream


def test_recycling_a_worker_kills_the_children_it_left(pool) -> None:
    spec = _spec()
    worker = pool.acquire(spec)
    child = int(worker.invoke("req-1", b'{"child": 1}', spec.qualified_arn).payload)
    pool.release(worker)
    assert os.path.exists(f"/proc/{child}")
    pool.shutdown()
    deadline = time.time() + 3
    while time.time() < deadline and os.path.exists(f"/proc/{child}"):
        time.sleep(0.02)
    assert not os.path.exists(f"/proc/{child}")


@pytest.mark.parametrize("minor", range(9, 14))
def test_declared_runtime_uses_the_matching_interpreter(minor: int) -> None:
    root = os.environ.get("PYENV_ROOT", os.path.expanduser("~/.pyenv"))
    if not glob.glob(f"{root}/versions/3.{minor}*/bin/python3.{minor}") and (
        sys.version_info[:2] != (3, minor)
    ):
        pytest.skip(f"no python3.{minor} on this machine")
    interpreters.interpreter_for.cache_clear()
    path = interpreters.interpreter_for(f"python3.{minor}")
    assert f"python3.{minor}" in os.path.basename(path) or path == sys.executable
    assert path == sys.executable or f"3.{minor}" in path


def test_unknown_runtime_falls_back_with_a_single_warning(caplog) -> None:
    interpreters.interpreter_for.cache_clear()
    with caplog.at_level(logging.WARNING, logger=interpreters.__name__):
        assert interpreters.interpreter_for("python3.99") == sys.executable
        assert interpreters.interpreter_for("python3.99") == sys.executable
    assert len([r for r in caplog.records if "python3.99" in r.getMessage()]) == 1
