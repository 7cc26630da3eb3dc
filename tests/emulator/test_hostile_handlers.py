"""Handlers that misbehave never stop the emulator, never leak processes, never blow its memory."""

from __future__ import annotations

import json
import os
import time

from asyncdlq.emulator import function_logs

from .helpers import invoke, log_messages


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as stat:
        return stat.read().split(") ")[1][0] != "Z"


def _wait_dead(pid: int, timeout_s: float = 3) -> bool:
    deadline = time.time() + timeout_s
    while time.time() < deadline:
        if not _alive(pid):
            return True
        time.sleep(0.02)
    return False


def test_memory_hog_is_killed_as_out_of_memory_and_replaced(aws, deploy) -> None:
    fn = deploy(
        "def lambda_handler(event, context):\n"
        "    if event.get('hog'):\n        return len(bytearray(400 * 1024 * 1024))\n"
        "    return 'fine'\n"
    )
    aws.client("lambda").update_function_configuration(FunctionName=fn.name, MemorySize=128)
    response = aws.client("lambda").invoke(FunctionName=fn.name, Payload=b'{"hog": 1}')
    request_id = response["ResponseMetadata"]["RequestId"]
    assert response["FunctionError"] == "Unhandled"
    assert response["Payload"].read().decode() == (
        '{"errorType":"Runtime.OutOfMemory","errorMessage":"RequestId: '
        f'{request_id} Error: Runtime exited with error: signal: killed"}}'
    )
    report = next(
        m for m in log_messages(aws, fn.name) if m.startswith(f"REPORT RequestId: {request_id}")
    )
    assert "\tMemory Size: 128 MB\tMax Memory Used: 128 MB\t" in report
    assert report.endswith("\tStatus: error\tError Type: Runtime.OutOfMemory\t")
    # The next invoke gets a fresh environment (cold: Init Duration again) and works.
    second_id, raw, response = invoke(aws, fn.name)
    assert raw == '"fine"'
    reports = [m for m in log_messages(aws, fn.name) if m.startswith("REPORT")]
    assert len(reports) == 2 and all("Init Duration" in r for r in reports)
    second = next(r for r in reports if r.startswith(f"REPORT RequestId: {second_id}"))
    used = int(second.split("Max Memory Used: ")[1].split(" MB")[0])
    assert 5 < used < 128  # a meaningful figure for a small handler


def test_timeout_kills_the_handler_and_its_children(aws, deploy, tmp_path) -> None:
    pid_file = tmp_path / "child.pid"
    fn = deploy(
        "import os, subprocess\n"
        "def lambda_handler(event, context):\n"
        "    child = subprocess.Popen(['sleep', '300'])\n"
        "    open(os.environ['PID_FILE'], 'w').write(str(child.pid))\n"
        "    while True:\n        pass\n",
        timeout=1,
        env={"PID_FILE": str(pid_file)},
    )
    _, raw, _ = invoke(aws, fn.name)
    assert json.loads(raw)["errorType"] == "Sandbox.Timedout"
    assert _wait_dead(int(pid_file.read_text()))


def test_one_huge_line_is_clipped_to_one_log_event(aws, deploy) -> None:
    fn = deploy(
        "def lambda_handler(event, context):\n"
        "    print('x' * 50_000_000)\n    print('after')\n    return 'done'\n"
    )
    _, raw, _ = invoke(aws, fn.name)
    assert raw == '"done"'
    messages = log_messages(aws, fn.name)
    huge = [m for m in messages if m.startswith("xxx")]
    assert [len(m) for m in huge] == [function_logs.MAX_EVENT_BYTES]
    assert "after" in messages


def test_a_flood_of_lines_is_bounded_and_the_attempt_ends(aws, deploy) -> None:
    fn = deploy(
        "import sys\n"
        "def lambda_handler(event, context):\n"
        "    for i in range(200_000):\n        print(i)\n"
        "    return 'done'\n",
        timeout=10,
    )
    _, raw, _ = invoke(aws, fn.name)
    assert raw == '"done"'
    printed = [m for m in log_messages(aws, fn.name) if m.isdigit()]
    assert len(printed) == 10_000  # the per-invocation budget; the rest was dropped
    assert printed[:3] == ["0", "1", "2"]


def test_raw_fd_writes_stdin_reads_and_stream_games_are_harmless(aws, deploy) -> None:
    fn = deploy(
        "import io, os, sys\n"
        "def lambda_handler(event, context):\n"
        "    os.write(1, b'raw to fd 1\\n')\n"
        "    os.write(2, b'raw to fd 2\\n')\n"
        "    got = sys.stdin.read()\n"
        "    os.read(0, 10)\n"
        "    for fd in range(3, 30):\n"
        "        try:\n"
        '            os.write(fd, b\'garbage\\n{"type": "result", "ok": true}\\n[1]\\n\')\n'
        "        except OSError:\n"
        "            pass\n"
        "    sys.stdout.close()\n"
        "    sys.stdout = io.StringIO()\n"
        "    return got\n"
    )
    for _ in range(2):  # and the environment still answers the next invoke
        _, raw, response = invoke(aws, fn.name)
        assert "FunctionError" not in response
        assert raw == '""'
    messages = log_messages(aws, fn.name)
    assert "raw to fd 1" in messages and "raw to fd 2" in messages


def test_emulator_survives_and_reports_every_crash_kind(aws, deploy) -> None:
    fn = deploy(
        "import os, sys\n"
        "def lambda_handler(event, context):\n"
        "    kind = event['kind']\n"
        "    if kind == 'exit':\n        sys.exit()\n"
        "    if kind == 'kill':\n        os.kill(os.getpid(), 9)\n"
        "    if kind == 'abort':\n        os.abort()\n"
        "    return kind\n"
    )
    lam = aws.client("lambda")
    expected = {
        "exit": "Runtime exited without providing a reason",
        "kill": "Runtime exited with error: signal: killed",
        "abort": "Runtime exited with error: signal: aborted (core dumped)",
    }
    for kind, reason in expected.items():
        response = lam.invoke(FunctionName=fn.name, Payload=json.dumps({"kind": kind}).encode())
        error = json.loads(response["Payload"].read())
        assert error["errorType"] == "Runtime.ExitError"
        assert error["errorMessage"].endswith(f"Error: {reason}")
    response = lam.invoke(FunctionName=fn.name, Payload=b'{"kind": "ok"}')
    assert response["Payload"].read() == b'"ok"'
