"""Every process a handler starts goes with its environment: on replacement, on function delete,
on pool shutdown (even mid-invocation), and when the emulator itself is killed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from asyncdlq.emulator.runtime.workers import RuntimeFailure, WorkerPool

from .pool_helpers import alive, read_pids, spec_for, wait_gone

# Ways out of the worker's process group: a setsid child, and double forks through a setsid
# middle process that exits at once (the grandchild is reparented): one keeps the runtime's
# environment, the other (with "clean_env") execs with an empty one, which only a child
# subreaper can still find (the CLI's pool adopts orphans; see the last tests).
ESCAPING = """
import os, subprocess, time

def _double_fork(path, clean_env):
    if os.fork() == 0:
        os.setsid()
        if os.fork() == 0:
            with open(path, "a") as f:
                f.write(f"{os.getpid()}\\n")
            if clean_env:
                os.execve("/bin/sleep", ["sleep", "300"], {})
            time.sleep(300)
            os._exit(0)
        os._exit(0)
    os.wait()

def lambda_handler(event, context):
    path = os.environ["PIDS"]
    child = subprocess.Popen(["setsid", "sleep", "300"])
    with open(path, "a") as f:
        f.write(f"{child.pid}\\n")
    _double_fork(path, False)
    _double_fork(path, bool(event.get("clean_env")))
    time.sleep(event.get("linger", 0))
    if event.get("exit"):
        os._exit(3)
    return "spawned"
"""


@pytest.fixture
def pool(emulator):  # the emulator fixture provides the moto log backend the streams live in
    p = WorkerPool(emulator.endpoint_url)
    yield p
    p.shutdown()


def _spawn(pool: WorkerPool, tmp_path: Path, payload: bytes = b"{}") -> tuple[object, list[int]]:
    pids_file = tmp_path / "pids"
    spec = spec_for(ESCAPING, env={"PIDS": str(pids_file)})
    worker = pool.acquire(spec)
    result = worker.invoke("req-1", payload, spec.qualified_arn)
    pool.release(worker)
    return result, read_pids(str(pids_file), 3)


def test_pool_shutdown_kills_setsid_and_double_forked_children(pool, tmp_path) -> None:
    result, pids = _spawn(pool, tmp_path, b'{"linger": 0.8}')  # a tree scan sees the last one
    assert result.ok and all(alive(p) for p in pids)
    pool.shutdown()
    assert wait_gone(pids) == []


def test_deleting_the_function_stops_its_environment_and_children(pool, tmp_path) -> None:
    result, pids = _spawn(pool, tmp_path, b'{"linger": 0.8}')
    runtime = pool.processes()
    assert result.ok and runtime
    pool.retire_function(f"arn:aws:lambda:us-east-1:123456789012:function:{_name(pool)}")
    assert wait_gone(pids) == []
    assert not [p for p in runtime if alive(p) and p not in pool._spawner.spare_pids()]


def _name(pool: WorkerPool) -> str:
    (worker,) = [w for ws in pool._idle.values() for w in ws]
    return worker.spec.function_name


def test_a_replaced_environment_leaves_no_child(pool, tmp_path) -> None:
    result, pids = _spawn(pool, tmp_path, b'{"exit": 1, "linger": 0.8}')
    assert result.error_type == "Runtime.ExitError"
    assert wait_gone(pids) == []


def test_shutdown_during_an_invocation_ends_it_at_once(pool) -> None:
    spec = spec_for("def lambda_handler(event, context):\n    while True:\n        pass\n")
    worker = pool.acquire(spec)
    outcome: list[object] = []

    def run() -> None:
        try:
            outcome.append(worker.invoke("req-1", b"{}", spec.qualified_arn))
        except RuntimeFailure as exc:
            outcome.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    time.sleep(0.5)  # the handler is looping
    started = time.monotonic()
    pool.shutdown()
    thread.join(timeout=5)
    took = time.monotonic() - started
    assert not thread.is_alive() and took < 2.5
    assert isinstance(outcome[0], RuntimeFailure)
    assert not alive(worker.process.pid)
    with pytest.raises(RuntimeFailure):
        pool.acquire(spec)


# A separate process, so killing "the emulator" kills only it: it runs a looping handler and
# prints the worker's pid.
KILLED_EMULATOR = """
import sys, threading, time
sys.path[:0] = {paths!r}
from asyncdlq.emulator.server import EmulatorServer
from asyncdlq.emulator.runtime.workers import WorkerPool
from tests.emulator.pool_helpers import spec_for
server = EmulatorServer("127.0.0.1", 0).start()
pool = WorkerPool(server.endpoint_url)
spec = spec_for("def lambda_handler(event, context):\\n    while True:\\n        pass\\n")
worker = pool.acquire(spec)
threading.Thread(target=worker.invoke, args=("r", b"{{}}", "arn"), daemon=True).start()
print(worker.process.pid, *pool._spawner.spare_pids(), flush=True)
time.sleep(300)
"""


def test_workers_die_with_a_killed_emulator(tmp_path) -> None:
    root = Path(__file__).resolve().parents[2]
    script = KILLED_EMULATOR.format(paths=[str(root), str(root / "src")])
    emulator = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(script)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert emulator.stdout is not None
        pids = [int(p) for p in emulator.stdout.readline().split()]
        time.sleep(0.3)
        assert pids and all(alive(p) for p in pids)
    finally:
        emulator.send_signal(signal.SIGKILL)
        emulator.wait()
    assert wait_gone(pids) == []  # PR_SET_PDEATHSIG: the looping worker and the spare


def test_runtime_processes_never_see_a_closed_emulator_stdin(tmp_path) -> None:
    """The emulator started with fd 0 closed (as a daemon may be): its pipes would get numbers
    0-2 and collide with the child's stdio; a handler reading stdin must still read nothing."""
    root = Path(__file__).resolve().parents[2]
    script = textwrap.dedent(
        f"""
        import os, sys
        sys.path[:0] = {[str(root), str(root / "src")]!r}
        os.close(0)
        from asyncdlq.emulator.server import EmulatorServer
        from asyncdlq.emulator.runtime.workers import WorkerPool
        from tests.emulator.pool_helpers import spec_for
        server = EmulatorServer("127.0.0.1", 0).start()
        pool = WorkerPool(server.endpoint_url)
        spec = spec_for(
            "import os, sys\\ndef lambda_handler(event, context):\\n"
            "    return [sys.stdin.read(), os.read(0, 10).decode()]\\n"
        )
        for i in range(3):
            worker = pool.acquire(spec)
            print(worker.invoke(f"r{{i}}", b"{{}}", "arn").payload.decode(), flush=True)
            pool.release(worker)
        pool.shutdown()
        server.stop()
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split("\n")[:3] == ['["", ""]'] * 3


def test_no_descriptor_of_the_emulator_reaches_a_handler(pool) -> None:
    spec = spec_for(
        "import os\ndef lambda_handler(event, context):\n"
        "    return sorted(int(fd) for fd in os.listdir('/proc/self/fd'))\n"
    )
    worker = pool.acquire(spec)
    fds = eval(worker.invoke("r", b"{}", spec.qualified_arn).payload)  # noqa: S307 - our own list
    pool.release(worker)
    # stdin, stdout, stderr, sys.stdin's /dev/null, the two private channels, listdir's own.
    assert fds[:3] == [0, 1, 2] and len(fds) <= 7
    assert os.readlink(f"/proc/{worker.process.pid}/fd/0") == "/dev/null"


ADOPTING_EMULATOR = """
import os, sys, time
sys.path[:0] = {paths!r}
from asyncdlq.emulator.server import EmulatorServer
from asyncdlq.emulator.runtime.workers import WorkerPool
from tests.emulator.pool_helpers import read_pids, spec_for
from tests.emulator.test_process_tree import ESCAPING
server = EmulatorServer("127.0.0.1", 0).start()
pool = WorkerPool(server.endpoint_url, adopt_orphans=True)
spec = spec_for(ESCAPING, env={{"PIDS": {pids!r}}})
worker = pool.acquire(spec)
print(worker.invoke("r", b'{{"clean_env": 1}}', "arn").payload.decode(), flush=True)
pool.release(worker)
print(*read_pids({pids!r}, 3), flush=True)
pool.shutdown()
print("down", flush=True)
time.sleep(300)
"""


def test_an_orphan_with_a_clean_environment_goes_with_an_adopting_pool(tmp_path) -> None:
    root = Path(__file__).resolve().parents[2]
    script = ADOPTING_EMULATOR.format(
        paths=[str(root), str(root / "src")], pids=str(tmp_path / "pids")
    )
    emulator = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(script)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert emulator.stdout is not None
        assert emulator.stdout.readline().strip() == '"spawned"'
        pids = [int(p) for p in emulator.stdout.readline().split()]
        assert emulator.stdout.readline().strip() == "down"
        assert len(pids) == 3 and wait_gone(pids) == []
    finally:
        emulator.kill()
        emulator.wait()


def _state(pid: int) -> str:
    with open(f"/proc/{pid}/stat") as stat:
        return stat.read().rsplit(")", 1)[1].split()[0]


def test_a_reused_pid_in_a_stale_tree_is_never_stopped_or_killed(pool) -> None:
    # The tree is as of the last scan; a process in it may have ended and its pid been given
    # to an unrelated one (a terraform, a test's child) before the environment is frozen,
    # thawed or killed. Stand-in: an unrelated process put in the tree, never seen in it.
    bystander = subprocess.Popen(
        [sys.executable, "-c", "import time; time.sleep(60)"], start_new_session=True
    )
    try:
        spec = spec_for("def lambda_handler(event, context):\n    return 1\n")
        worker = pool.acquire(spec)
        worker.invoke("req-1", b"{}", spec.qualified_arn)
        worker.tree = {bystander.pid}
        pool.release(worker)  # freezes the environment
        time.sleep(0.2)
        assert _state(bystander.pid) != "T"
        worker = pool.acquire(spec)  # thaws it
        worker.tree = {bystander.pid}
        worker.kill()  # and kills it, its runtime reaped first
        assert bystander.poll() is None and _state(bystander.pid) != "T"
        pool.release(worker)
    finally:
        bystander.kill()
        bystander.wait()
