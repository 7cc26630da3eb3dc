"""The emulator as users run it: a process that reports pending events when stopped, and the
``asyncdlq invocations`` view of what happened."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import boto3
import pytest

from asyncdlq.cli import main as cli
from asyncdlq.cli.introspection import describe_source
from asyncdlq.emulator.trigger_sources import TriggerSource
from tests.emulator.conftest import (
    DELIVER_ANYWHERE,
    FAILING,
    Aws,
    wait_active,
    zip_source,
)
from tests.emulator.subprocess_emulator import emulator_process


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_health(endpoint: str) -> None:
    deadline = time.time() + 20
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(f"{endpoint}/_asyncdlq/health", timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"no emulator at {endpoint}")


def test_pending_events_are_reported_at_shutdown_and_listed_before(tmp_path) -> None:
    port = _free_port()
    endpoint = f"http://127.0.0.1:{port}"
    # AWS timing: the first retry is a minute away, so the event is still pending at the stop.
    process = subprocess.Popen(
        [sys.executable, "-m", "asyncdlq", "emulator", "--port", str(port), "--time-scale", "1"]
        + ["--profile", "plain"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _wait_health(endpoint)
        kw = dict(
            endpoint_url=endpoint,
            region_name="us-east-1",
            aws_access_key_id="t",
            aws_secret_access_key="t",
        )
        iam, lam = boto3.client("iam", **kw), boto3.client("lambda", **kw)
        role = iam.create_role(RoleName="r", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
        iam.put_role_policy(
            RoleName="r", PolicyName="p", PolicyDocument=json.dumps(DELIVER_ANYWHERE)
        )
        lam.create_function(
            FunctionName="f",
            Runtime="python3.12",
            Role=role,
            Handler="handler.lambda_handler",
            Code={"ZipFile": zip_source(FAILING)},
        )
        wait_active(lam, "f")  # Invoke fails while the function is Pending, as on AWS
        response = lam.invoke(FunctionName="f", InvocationType="Event", Payload=b"{}")
        request_id = response["ResponseMetadata"]["HTTPHeaders"]["x-amzn-requestid"]

        env = {**os.environ, "TARGET": "local", "ASYNCDLQ_ENDPOINT": endpoint}
        deadline = time.time() + 10
        listing = ""
        while time.time() < deadline and "attempt 1" not in listing:
            listing = subprocess.run(
                [sys.executable, "-m", "asyncdlq", "invocations"],
                env=env,
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            time.sleep(0.1)
        assert f"{request_id}  f:$LATEST  pending" in listing
        assert "attempt 1 at +" in listing and "Exception: Something went wrong" in listing
    finally:
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=20)
    assert process.returncode == 0
    assert f"event {request_id} for f was still pending (1 attempt(s) run) at shutdown" in err
    assert "asyncdlq emulator stopped" in out


# --- every bad argument: one line saying what to do, a non-zero exit, no traceback ----------


def _one_line_error(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    """Run ``asyncdlq <argv>``; return its exit code and its only stderr line."""
    try:
        code = cli.main(argv)
    except SystemExit as exit_:
        code = int(exit_.code or 0)
    out, err = capsys.readouterr()
    assert code != 0, (argv, out, err)
    assert err.count("\n") == 1 and "Traceback" not in err, err
    return code, err.strip()


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["--port", "99999"], "'99999' is not a TCP port; use 0-65535"),
        (["--port", "-1"], "use 0-65535"),
        (["--port", "http"], "use 0-65535"),
        (["--async-payload-limit", "-5"], "'-5' is not a positive whole number; e.g. 262144"),
        (["--async-payload-limit", "0"], "positive whole number"),
        (["--time-scale", "0"], "'0' is not a positive number"),
        (["--time-scale", "1/0"], "not a positive number"),
        (["--time-scale", "1e400"], "not a positive number"),
        (["--duplicate-rate", "1.5"], "'1.5' is not a share between 0 and 1"),
        (["--duplicate-rate", "nan"], "not a share between 0 and 1"),
        (["--seed", "x"], "'x' is not a whole number"),
        (["--idle-timeout", "0"], "'0' is not a positive number; e.g. 300"),
        (["--idle-timeout", "inf"], "not a positive number"),
        (["--event-log-mb", "-1"], "'-1' is not a number of 0 or more; e.g. 64"),
        (["--event-log-mb", "lots"], "not a number of 0 or more"),
        (["--exit-with-pid", "0"], "'0' is not a process id"),
        (["--exit-with-pid", "-1"], "not a process id"),
        (["--ready-file", "/nonexistent-dir/ready.json"], "/nonexistent-dir does not exist"),
        (["--ready-file", "/"], "is a directory"),
        (["--cors-origin", "*"], "would allow every page; name the page's origin"),
        (["--cors-origin", "localhost:3000"], "is not an origin"),
        (["--allow-host", "http://x/"], "is not a host name"),
        (["--allow-host", "x:80"], "pass the name alone"),
        (["--bogus"], "unrecognized arguments: --bogus"),
    ],
)
def test_bad_emulator_arguments(argv: list[str], says: str, capsys) -> None:
    code, line = _one_line_error(["emulator", *argv], capsys)
    assert code == 2
    assert line.startswith("asyncdlq emulator: ") and says in line, line
    assert line.endswith("see `asyncdlq emulator --help`")


def test_exit_with_pid_of_a_process_that_does_not_exist(capsys) -> None:
    done = subprocess.run(["true"])
    assert done.returncode == 0  # reaped: its pid is free (and not reused this quickly)
    _, line = _one_line_error(["emulator", "--exit-with-pid", "999999999"], capsys)
    assert "no process 999999999 is running" in line


def test_a_port_in_use_is_one_line(capsys) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code, line = _one_line_error(["emulator", "--port", str(port)], capsys)
    assert code == 1 and f"cannot listen on 127.0.0.1:{port}" in line and "pass --port" in line


def test_a_ready_file_that_cannot_be_written_is_one_line(tmp_path: Path) -> None:
    ready = tmp_path / "ready.json"
    (tmp_path / "ready.json.partial").mkdir()  # where it is written before the rename
    done = subprocess.run(
        [sys.executable, "-m", "asyncdlq", "emulator", "--port", "0", "--ready-file", str(ready)]
        + ["--profile", "plain"],
        capture_output=True,
        text=True,
        timeout=60,  # the server it had bound must stop without ever having served
    )
    assert done.returncode == 2, done.stderr
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr, done.stderr
    assert f"asyncdlq emulator: cannot write --ready-file {ready}: " in done.stderr
    assert not ready.exists()


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        ([], "the following arguments are required: command"),
        (["frobnicate"], "invalid choice: 'frobnicate'"),
        (["package"], "the following arguments are required: source, output"),
        (["dlq", "--max", "-1"], "'-1' is not a positive whole number; e.g. 100"),
        (["dlq", "--max", "0"], "positive whole number"),
        (["dlq", "--timeout", "-3"], "'-3' is not a positive number"),
        (["logs", "--since", "-1"], "'-1' is not a number of 0 or more"),
        (["logs", "--timeout", "soon"], "'soon' is not a positive number"),
        (["invoke", "--timeout", "0"], "'0' is not a positive number"),
        (["timeline"], "the following arguments are required: --request-id"),
        (["sweep", "--older-than", "yesterday"], "'yesterday' is not a duration; use"),
        (["sweep", "--older-than", "2h", "--prefix", " "], "the prefix must not be empty"),
        (["sweep"], "the following arguments are required: --older-than"),
    ],
)
def test_bad_arguments_of_every_command(argv: list[str], says: str, capsys) -> None:
    code, line = _one_line_error(argv, capsys)
    assert code == 2 and says in line, line
    assert line.endswith("--help`")


def _tree(root: Path) -> Path:
    root.mkdir()
    (root / "handler.py").write_text("def lambda_handler(e, c):\n    return 1\n")
    return root


@pytest.mark.parametrize(
    ("layout", "says"),
    [
        ("missing", "is not a directory; point source_dir at the handler's folder"),
        ("empty", "has no files to package; add the handler module there"),
        ("inside", "write the zip outside the source folder"),
        ("output-dir", "is a directory; pass the zip's file path"),
    ],
)
def test_bad_package_arguments(layout: str, says: str, tmp_path: Path, capsys) -> None:
    source, output = tmp_path / "src", tmp_path / "out.zip"
    if layout == "empty":
        source.mkdir()
    elif layout == "inside":
        output = _tree(source) / "lambda.zip"
    elif layout == "output-dir":
        _tree(source)
        output.mkdir()
    code, line = _one_line_error(["package", str(source), str(output)], capsys)
    assert code == 2 and line.startswith("asyncdlq package: ") and says in line, line
    assert not (source / "lambda.zip").exists()


def test_package_to_a_place_that_cannot_be_written_is_one_line(tmp_path: Path, capsys) -> None:
    source = _tree(tmp_path / "src")
    blocker = tmp_path / "file"
    blocker.write_text("a file where the output's directory should be")
    code, line = _one_line_error(["package", str(source), str(blocker / "x.zip")], capsys)
    assert code == 1 and line.startswith(f"asyncdlq package: {blocker}: "), line
    assert "the output's directory writable" in line


def test_a_good_package_still_works(tmp_path: Path, capsys) -> None:
    source = _tree(tmp_path / "src")
    assert cli.main(["package", str(source), str(tmp_path / "out" / "lambda.zip")]) == 0
    assert "packaged" in capsys.readouterr().out


def test_a_non_loopback_host_warns_that_anyone_reaching_it_runs_code(tmp_path: Path) -> None:
    with emulator_process(tmp_path, "--host", "0.0.0.0") as running:
        assert running.endpoint_url.startswith("http://0.0.0.0:")
        # Functions and local clients still reach it through the bound address.
        with urllib.request.urlopen(f"{running.endpoint_url}/_asyncdlq/health", timeout=30):
            pass
    warning = [line for line in running.stderr.splitlines() if "WARNING" in line]
    assert len(warning) == 1
    assert "anyone who can reach this port can run code on this machine" in warning[0]


def test_a_loopback_emulator_does_not_warn(tmp_path: Path) -> None:
    with emulator_process(tmp_path) as running:
        pass
    assert "WARNING" not in running.stderr


def test_more_signals_while_stopping_print_no_traceback(tmp_path: Path) -> None:
    with emulator_process(tmp_path) as running:
        aws = Aws(running.endpoint_url)
        iam, lam = aws.client("iam"), aws.client("lambda")
        role = iam.create_role(RoleName="r", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
        lam.create_function(
            FunctionName="busy",
            Runtime="python3.12",
            Role=role,
            Handler="handler.lambda_handler",
            Code={"ZipFile": zip_source(BUSY)},
            Timeout=30,
        )
        wait_active(lam, "busy")  # Invoke fails while the function is Pending, as on AWS
        lam.invoke(FunctionName="busy", InvocationType="Event", Payload=b"{}")
        # Whether each signal lands before or during the stop, none may end in a traceback.
        for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGTERM):
            running.process.send_signal(signum)
            time.sleep(0.2)
    assert running.process.returncode == 0, running.stderr
    assert "Traceback" not in running.stderr and "KeyboardInterrupt" not in running.stderr
    assert "asyncdlq emulator stopped" in running.stdout


BUSY = """
import time

def lambda_handler(event, context):
    while True:
        time.sleep(0.05)
"""


def test_resource_bounds_reach_the_emulator_config_in_its_units() -> None:
    args = cli.build_parser().parse_args(
        ["emulator", "--idle-timeout", "2.5", "--event-log-mb", "0.5"]
    )
    assert cli._bounds(args) == {"idle_timeout_s": 2.5, "event_log_bytes": 524288}
    assert cli._bounds(cli.build_parser().parse_args(["emulator"])) == {}


# --- `asyncdlq invocations`: where a triggered event came from, and refused deliveries ------

ACCOUNT = "123456789012"
TOPIC = f"arn:aws:sns:us-east-1:{ACCOUNT}:orders"
RULE = f"arn:aws:events:us-east-1:{ACCOUNT}:rule/nightly"
FN_ARN = f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:f"
# Sources as the emulator lists them: TriggerSource.summary() (trigger_sources.py).
SNS = TriggerSource("sns", TOPIC, ACCOUNT, {"message_id": "m-1", "subscription_arn": "s"})
RULE_SOURCE = TriggerSource("events", RULE, ACCOUNT, {"event_id": "e-1", "target_id": "t-1"})
S3 = TriggerSource("s3", "arn:aws:s3:::b", ACCOUNT, {"bucket": "b", "key": "in/x.csv"})
REFUSAL = {
    "source": RULE_SOURCE.summary(),
    "function_arn": FN_ARN,
    "reason": f"no permission for events.amazonaws.com from {RULE} "
    f"(account 123456789012) to invoke {FN_ARN}; the function has no resource-based policy",
    "at": 1700000000.25,  # 22:13:20.250 UTC
    "then": "dropped: the target has no dead-letter queue",
}


def _invocation(request_id: str, source: dict | None) -> dict:
    return {
        "request_id": request_id,
        "function_name": "f",
        "qualifier": "$LATEST",
        "duplicate": False,
        "source": source,
        "received_at": 100.0,
        "outcome": "Success",
        "throttles": 0,
        "attempts": [
            {
                "started_at": 100.05,
                "ended_at": 100.15,
                "ok": True,
                "error_type": None,
                "error_message": None,
            }
        ],
        "deliveries": [],
    }


@pytest.fixture
def invocations(http_server, monkeypatch, capsys):
    """invocations(body, *flags) -> (exit code, stdout) of `asyncdlq invocations` against an
    emulator endpoint answering with that body."""

    def run(body: object, *flags: str) -> tuple[int, str]:
        monkeypatch.setenv("TARGET", "local")
        monkeypatch.setenv("ASYNCDLQ_ENDPOINT", http_server(200, json.dumps(body).encode()))
        capsys.readouterr()
        code = cli.main(["invocations", *flags])
        out, err = capsys.readouterr()
        assert err == ""
        return code, out

    return run


HINT = "add a resource-based permission (the module's allowed_triggers) for the service named above"


def test_a_triggered_invocation_says_where_it_came_from(invocations) -> None:
    body = {
        "invocations": [_invocation("r-1", None), _invocation("r-2", SNS.summary())],
        "refused": [],
    }
    code, out = invocations(body)
    assert code == 0
    assert out.splitlines() == [
        "r-1  f:$LATEST  Success",
        "    attempt 1 at +0.05s, 100 ms: ok",
        "r-2  f:$LATEST  Success",
        f"    from SNS topic {TOPIC}, message m-1",
        "    attempt 1 at +0.05s, 100 ms: ok",
    ]  # no refusals: no section and no hint


def test_refused_deliveries_follow_the_invocations_with_a_hint(invocations) -> None:
    body = {"invocations": [_invocation("r-1", None)], "refused": [REFUSAL]}
    code, out = invocations(body)
    assert code == 0
    assert out.splitlines()[2:] == [
        "refused deliveries (the function never ran; nothing is in its log group):",
        f"  22:13:20.250 EventBridge rule {RULE}, event e-1 -> {FN_ARN}: {REFUSAL['reason']}",
        "    then: dropped: the target has no dead-letter queue",
        HINT,
    ]


def test_refused_deliveries_show_even_without_invocations(invocations) -> None:
    refusal = {**REFUSAL, "source": S3.summary(), "then": "dropped"}
    code, out = invocations({"invocations": [], "refused": [refusal]})
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "refused deliveries (the function never ran; nothing is in its log group):"
    assert lines[1].startswith(f"  22:13:20.250 S3 bucket b, key in/x.csv -> {FN_ARN}: no perm")
    assert lines[2:] == ["    then: dropped", HINT]


def test_invocations_json_is_the_whole_object(invocations) -> None:
    body = {"invocations": [_invocation("r-2", SNS.summary())], "refused": [REFUSAL]}
    code, out = invocations(body, "--json")
    assert code == 0 and json.loads(out) == body
    # An emulator from before trigger sources answers without "refused": none were refused.
    code, out = invocations({"invocations": []}, "--json")
    assert code == 0 and json.loads(out) == {"invocations": [], "refused": []}


def test_an_endpoint_that_is_not_the_emulator_is_one_line(http_server, monkeypatch, capsys):
    monkeypatch.setenv("TARGET", "local")
    monkeypatch.setenv("ASYNCDLQ_ENDPOINT", http_server(200, b"<html>not json</html>"))
    code, line = _one_line_error(["invocations"], capsys)
    assert code == 1 and line.startswith("asyncdlq: no emulator answers at http://127.0.0.1:")
    assert line.endswith("start one with `make up` or set ASYNCDLQ_ENDPOINT")


def test_source_text_matches_the_emulators_own_wording() -> None:
    for source in (SNS, RULE_SOURCE, S3):
        assert describe_source(source.summary()) == source.describe()
