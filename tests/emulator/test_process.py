"""Finding, starting and stopping the emulator, with stand-ins for it (no real emulator needed).

The stand-in is a small Python server started through a fake ``sys.executable``, so
start_background runs its real Popen / health-wait / pid-file / stop code paths.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import stat
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Callable

import pytest

from asyncdlq import progress
from asyncdlq.emulator import background as bg
from asyncdlq.emulator import process as ep

FAKE_EMULATOR = textwrap.dedent(
    """
    import http.server, json, os, signal, subprocess, sys, time

    args = sys.argv[1:]
    assert args[:3] == ["-m", "asyncdlq", "emulator"], args
    opts = dict(zip(args[3::2], args[4::2]))
    mode = os.environ.get("FAKE_EMULATOR_MODE", "ok")
    print("fake emulator", mode, opts, flush=True)
    endpoint = f"http://{opts['--host']}:{opts['--port']}"
    if "--ready-file" in opts:
        with open(opts["--ready-file"], "w") as ready:
            json.dump({"endpoint": endpoint, "pid": os.getpid()}, ready)
    if mode == "leaves_children":
        # What a broken emulator would leave when it dies of SIGTERM: a worker in a session of
        # its own that ignores SIGTERM, and a handler's child that left the tree altogether.
        ignore = "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(600)"
        worker = subprocess.Popen([sys.executable, "-c", ignore], start_new_session=True)
        handler_env = {**os.environ, "AWS_ENDPOINT_URL": endpoint, "AWS_LAMBDA_FUNCTION_NAME": "f"}
        out = os.environ["FAKE_CHILDREN_FILE"]
        subprocess.run(["sh", "-c", f"setsid sleep 601 & echo $! > {out}.escaped"], env=handler_env)
        with open(out, "w") as pids:
            pids.write(f"{worker.pid} {open(out + '.escaped').read().strip()}")
    if mode == "die":
        print("boom: cannot bind", file=sys.stderr, flush=True)
        sys.exit(3)
    if mode == "silent":
        time.sleep(600)
    if mode == "ignore_term":
        signal.signal(signal.SIGTERM, signal.SIG_IGN)

    class Health(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            body = json.dumps({"status": "ok", "pid": os.getpid(),
                               "time_scale": float(opts["--time-scale"])}).encode()
            self.send_response(200 if self.path == "/_asyncdlq/health" else 404)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    http.server.HTTPServer((opts["--host"], int(opts["--port"])), Health).serve_forever()
    """
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _running(script: Path) -> bool:
    """Whether a live process runs ``script`` (an exited, unreaped one has no command line)."""
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/cmdline", "rb") as cmdline:
                    if str(script).encode() in cmdline.read():
                        return True
            except OSError:
                continue
    return False


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.fixture
def fake_python(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[[str], None]:
    """fake_python(mode): make start_background launch the stand-in in that mode."""
    script = tmp_path / "fake_emulator.py"
    script.write_text(FAKE_EMULATOR)
    launcher = tmp_path / "python"
    launcher.write_text(f'#!/bin/sh\nexec "{sys.executable}" "{script}" "$@"\n')
    launcher.chmod(launcher.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setattr(sys, "executable", str(launcher))

    def use(mode: str) -> None:
        monkeypatch.setenv("FAKE_EMULATOR_MODE", mode)

    return use


@pytest.fixture
def endpoint() -> str:
    return f"http://127.0.0.1:{free_port()}"


@pytest.fixture
def raw_listener() -> Iterator[str]:
    """A TCP listener that accepts and hangs up without speaking HTTP."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    stop = threading.Event()

    def serve() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except OSError:
                continue
            conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}"
    stop.set()
    thread.join()
    server.close()


def test_nothing_listening_is_none(endpoint: str) -> None:
    assert bg.is_answering(endpoint) is None


def test_our_health_answer_is_returned(fake_emulator_endpoint: str) -> None:
    health = bg.is_answering(fake_emulator_endpoint)
    assert health is not None and health["status"] == "ok" and health["pid"] == os.getpid()


@pytest.mark.parametrize(
    ("status", "body"),
    [(404, b"<html>Not Found</html>"), (200, b"hello"), (200, b'{"status": "starting"}')],
)
def test_a_foreign_http_server_is_a_clear_error(
    http_server: Callable[[int, bytes], str], status: int, body: bytes
) -> None:
    other = http_server(status, body)
    with pytest.raises(bg.PortTakenError) as caught:
        bg.is_answering(other)
    message = str(caught.value)
    assert "not the asyncdlq emulator" in message
    assert "ASYNCDLQ_ENDPOINT=http://127.0.0.1:" in message


def test_a_non_http_listener_is_a_clear_error(raw_listener: str) -> None:
    with pytest.raises(bg.PortTakenError, match="ASYNCDLQ_ENDPOINT"):
        bg.is_answering(raw_listener)


def test_running_emulator_refuses_a_taken_port_without_starting_anything(
    http_server: Callable[[int, bytes], str], tmp_path: Path, fake_python: Callable[[str], None]
) -> None:
    fake_python("ok")
    other = http_server(404, b"nope")
    with pytest.raises(bg.PortTakenError), ep.running_emulator(other, 1 / 60, tmp_path):
        pytest.fail("entered the context on a foreign port")
    assert not (tmp_path / bg.PID_FILE).exists()


def test_running_emulator_reuses_one_that_answers(
    fake_emulator_endpoint: str, tmp_path: Path
) -> None:
    with ep.running_emulator(fake_emulator_endpoint, 1 / 60, tmp_path) as info:
        assert not info.started_here
        assert info.pid == os.getpid()
    assert not (tmp_path / bg.PID_FILE).exists()


def test_start_then_stop(endpoint: str, tmp_path: Path, fake_python: Callable[[str], None]) -> None:
    fake_python("ok")
    with ep.running_emulator(endpoint, 0.5, tmp_path) as info:
        assert info.started_here
        pid = int((tmp_path / bg.PID_FILE).read_text())
        assert pid == info.pid and _alive(pid)
        health = bg.is_answering(endpoint)
        assert health is not None and health["pid"] == pid and health["time_scale"] == 0.5
        assert "fake emulator ok" in (tmp_path / bg.LOG_FILE).read_text()
    assert not _alive(pid)
    assert not (tmp_path / bg.PID_FILE).exists()
    assert bg.is_answering(endpoint) is None


def test_keep_leaves_a_started_emulator_running_for_a_later_stop(
    endpoint: str, tmp_path: Path, fake_python: Callable[[str], None]
) -> None:
    fake_python("ok")
    with ep.running_emulator(endpoint, 1.0, tmp_path, keep=True) as info:
        pid = info.pid
    assert pid is not None and _alive(pid)
    assert bg.is_answering(endpoint) is not None
    # A later stop() (another process, or `make` after --asyncdlq-keep) finds it by pid file.
    assert bg.stop(tmp_path) is True
    assert not _alive(pid)


def test_ensure_running_starts_one_that_outlives_it_then_finds_it(
    endpoint: str,
    tmp_path: Path,
    fake_python: Callable[[str], None],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake_python("ok")
    monkeypatch.setenv("EMULATOR_TIME_SCALE", "1/2")
    started = ep.ensure_running(endpoint, tmp_path)  # `asyncdlq up`
    try:
        assert started.started_here and started.time_scale == 0.5
        assert started.pid is not None and _alive(started.pid)
        again = ep.ensure_running(endpoint, tmp_path)  # a second `asyncdlq up`
        assert not again.started_here
        assert (again.pid, again.time_scale) == (started.pid, 0.5)
    finally:
        assert bg.stop(tmp_path) is True  # `asyncdlq stop`
    assert not _alive(started.pid)


def test_stop_kills_an_emulator_that_ignores_sigterm(
    endpoint: str,
    tmp_path: Path,
    fake_python: Callable[[str], None],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake_python("ignore_term")
    monkeypatch.setattr(bg, "STOP_GRACE_S", 1.0)
    pid = bg.start_background(endpoint, time_scale=1.0, state_dir=tmp_path)
    started = time.monotonic()
    assert bg.stop(tmp_path) is True
    assert time.monotonic() - started < 5
    assert not _alive(pid)
    assert bg.stop(tmp_path) is False  # nothing left to stop


def test_stop_leaves_nothing_the_emulator_started(
    endpoint: str,
    tmp_path: Path,
    fake_python: Callable[[str], None],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake_python("leaves_children")
    lines: list[str] = []
    previous = progress.set_writer(lines.append)
    children_file = tmp_path / "children"
    monkeypatch.setenv("FAKE_CHILDREN_FILE", str(children_file))
    state = tmp_path / "state"
    pid = bg.start_background(endpoint, time_scale=1.0, state_dir=state)
    deadline = time.monotonic() + 30
    while not children_file.exists() or len(children_file.read_text().split()) < 2:
        assert time.monotonic() < deadline, "the stand-in did not start its children"
        time.sleep(0.05)
    worker, escaped = (int(text) for text in children_file.read_text().split())
    assert _alive(worker) and _alive(escaped)
    try:
        assert bg.stop(state) is True
        assert not _alive(pid)
        assert not _alive(worker), "a worker that ignored SIGTERM outlived stop()"
        assert not _alive(escaped), "a handler's setsid child outlived stop()"
        said = "\n".join(lines)
        assert f"emulator (pid {pid}) stopped" in said
        assert "killed 2 process(es) it left running" in said
        assert "none of the" in said
    finally:
        progress.set_writer(previous)
        for child in (worker, escaped):
            with contextlib.suppress(ProcessLookupError):
                os.kill(child, signal.SIGKILL)


def test_an_emulator_that_dies_at_start_shows_its_log(
    endpoint: str, tmp_path: Path, fake_python: Callable[[str], None]
) -> None:
    fake_python("die")
    with pytest.raises(bg.EmulatorError, match="exited with code 3") as caught:
        bg.start_background(endpoint, time_scale=1.0, state_dir=tmp_path)
    assert "boom: cannot bind" in str(caught.value)
    assert not (tmp_path / bg.PID_FILE).exists()


def test_an_emulator_that_never_answers_is_stopped(
    endpoint: str,
    tmp_path: Path,
    fake_python: Callable[[str], None],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake_python("silent")
    monkeypatch.setattr(bg, "START_TIMEOUT_S", 1.0)
    with pytest.raises(bg.EmulatorError, match="did not answer") as caught:
        bg.start_background(endpoint, time_scale=1.0, state_dir=tmp_path)
    assert "fake emulator silent" in str(caught.value)
    assert not (tmp_path / bg.PID_FILE).exists()
    # Only this test's stand-in counts: the session's own emulator may well be running.
    assert not _running(tmp_path / "fake_emulator.py")


def test_stale_pid_file_of_another_process_is_left_alone(tmp_path: Path) -> None:
    # The pid now belongs to a process that is not an emulator: stop() must not signal it.
    decoy = subprocess.Popen(["sleep", "60"])
    try:
        (tmp_path / bg.PID_FILE).write_text(f"{decoy.pid}\n")
        assert bg.stop(tmp_path) is False
        assert decoy.poll() is None
        assert not (tmp_path / bg.PID_FILE).exists()
    finally:
        decoy.kill()
        decoy.wait()


def test_a_remote_endpoint_is_not_started_here(tmp_path: Path) -> None:
    with pytest.raises(bg.EmulatorError, match="not on this machine"):
        bg.start_background("http://192.0.2.1:4599", time_scale=1.0, state_dir=tmp_path)


@pytest.mark.parametrize(("text", "value"), [("1/60", 1 / 60), ("0.5", 0.5), (" 1 ", 1.0)])
def test_parse_time_scale(text: str, value: float) -> None:
    assert ep.parse_time_scale(text) == pytest.approx(value)


@pytest.mark.parametrize("text", ["0", "-1", "fast", "1/0", ""])
def test_parse_time_scale_refuses_nonsense(text: str) -> None:
    with pytest.raises(bg.EmulatorError, match="EMULATOR_TIME_SCALE"):
        ep.parse_time_scale(text)


def test_health_json_shape_is_what_the_emulator_must_serve(fake_emulator_endpoint: str) -> None:
    # Documents the contract with src/asyncdlq/emulator: GET /_asyncdlq/health -> this JSON.
    health = bg.is_answering(fake_emulator_endpoint)
    assert health is not None
    assert set(health) >= {"status", "time_scale", "pid"}
    json.dumps(health)
