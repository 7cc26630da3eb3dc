"""Stack against real terraform with provider-free configs (terraform_data, local-exec)."""

from __future__ import annotations

import gc
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Callable

import pytest

from asyncdlq import process_sweep
from asyncdlq.harness import stack as stack_module
from asyncdlq.harness.stack import (
    Stack,
    TerraformCommandError,
    TerraformTimeoutError,
    run_with_timeout,
)
from asyncdlq.target import Target
from asyncdlq.terraform_env import terraform_env

from .configs import FAILS_HALFWAY

WriteConfig = Callable[[str, str], Path]

TYPED = """
variable "name" { type = string }
variable "size" { type = number }
variable "enabled" { type = bool }

resource "terraform_data" "one" {
  input = "${var.name}-${var.size}-${var.enabled}"
}

output "joined" { value = terraform_data.one.output }
output "size" { value = var.size }
output "enabled" { value = var.enabled }
"""


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"  # a zombie is dead, just not reaped


def test_init_apply_outputs_plan_destroy(
    write_config: WriteConfig, local_target: Target, state_dir: Path
) -> None:
    tfdir = write_config("typed", TYPED)
    variables = {"name": "adlq", "size": 3, "enabled": True}
    stack = Stack(tfdir, variables=variables, target=local_target, state_dir=state_dir)
    stack.init()
    stack.apply()
    # Typed values survive: tftest's -var would have sent True as "True", which terraform rejects.
    assert stack.outputs() == {"joined": "adlq-3-true", "size": 3, "enabled": True}
    assert stack.plan_exit_code() == 0
    assert stack.resources() == ["terraform_data.one"]

    changed = Stack(
        tfdir,
        variables={**variables, "size": 4},
        target=local_target,
        state_dir=state_dir,
        workspace=stack.workspace,
    )
    assert changed.plan_exit_code() == 2

    stack.destroy()
    assert stack.resources() == []


def test_stacks_with_other_variables_keep_separate_state(
    write_config: WriteConfig, local_target: Target, state_dir: Path
) -> None:
    tfdir = write_config("typed", TYPED)
    a = Stack(
        tfdir,
        variables={"name": "a", "size": 1, "enabled": False},
        target=local_target,
        state_dir=state_dir,
    )
    b = Stack(
        tfdir,
        variables={"name": "b", "size": 2, "enabled": True},
        target=local_target,
        state_dir=state_dir,
    )
    assert a.workspace != b.workspace
    with a, b:
        assert a.outputs()["joined"] == "a-1-false"
        assert b.outputs()["joined"] == "b-2-true"
        assert a.plan_exit_code() == 0
    assert a.resources() == [] and b.resources() == []


def test_state_survives_garbage_collection(
    write_config: WriteConfig, local_target: Target, state_dir: Path
) -> None:
    tfdir = write_config("typed", TYPED)
    # A stack directory's committed lock file: tftest's default cleanup deletes it with the state.
    lock = tfdir / ".terraform.lock.hcl"
    lock.write_text("# provider locks, committed with the stack\n")
    variables = {"name": "gc", "size": 1, "enabled": True}
    stack = Stack(tfdir, variables=variables, target=local_target, state_dir=state_dir)
    stack.init()
    stack.apply()
    del stack
    gc.collect()  # tftest's finalizer runs here
    assert lock.exists()
    again = Stack(tfdir, variables=variables, target=local_target, state_dir=state_dir)
    assert again.resources() == ["terraform_data.one"]
    again.destroy()


def test_every_prompting_command_gets_input_false(
    write_config: WriteConfig,
    local_target: Target,
    state_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen: list[list[str]] = []
    real = stack_module.run_with_timeout

    def recording(cmdline, **kwargs):  # type: ignore[no-untyped-def]
        seen.append(list(cmdline))
        return real(cmdline, **kwargs)

    monkeypatch.setattr(stack_module, "run_with_timeout", recording)
    tfdir = write_config("typed", TYPED)
    stack = Stack(
        tfdir,
        variables={"name": "x", "size": 1, "enabled": True},
        target=local_target,
        state_dir=state_dir,
    )
    with stack:
        stack.plan_exit_code()
    by_command = {cmd[1]: cmd for cmd in seen}
    assert set(by_command) >= {"init", "apply", "plan", "destroy"}
    for name in ("init", "apply", "plan", "destroy"):
        assert "-input=false" in by_command[name], by_command[name]


def test_terraform_gets_the_target_env_and_no_user_profile(
    write_config: WriteConfig,
    local_target: Target,
    state_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AWS_PROFILE", "someone-elses-profile")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "real-looking-token")
    dump = tmp_path / "env.txt"
    tfdir = write_config(
        "envdump",
        f"""
        resource "terraform_data" "dump" {{
          provisioner "local-exec" {{ command = "env > {dump}" }}
        }}
        """,
    )
    with Stack(tfdir, variables={}, target=local_target, state_dir=state_dir):
        pass
    env = dict(line.split("=", 1) for line in dump.read_text().splitlines() if "=" in line)
    assert env["AWS_ENDPOINT_URL"] == local_target.endpoint_url
    assert env["AWS_ACCESS_KEY_ID"] == "test"
    assert "AWS_PROFILE" not in env
    assert "AWS_SESSION_TOKEN" not in env
    assert env["TF_CLI_CONFIG_FILE"] == str(state_dir / "terraform.rc")


def test_lifecycle_destroys_when_apply_fails_halfway(
    write_config: WriteConfig, local_target: Target, state_dir: Path, tmp_path: Path
) -> None:
    marker = tmp_path / "destroyed.txt"
    tfdir = write_config("halfway", FAILS_HALFWAY)
    stack = Stack(
        tfdir, variables={"marker": str(marker)}, target=local_target, state_dir=state_dir
    )
    body_ran = False
    with pytest.raises(TerraformCommandError, match="second refuses"), stack.lifecycle():
        body_ran = True
    assert not body_ran
    assert marker.read_text().split() == ["destroyed"]  # `first` existed and was destroyed
    assert stack.resources() == []


def test_lifecycle_destroys_when_the_body_fails(
    write_config: WriteConfig, local_target: Target, state_dir: Path
) -> None:
    tfdir = write_config("typed", TYPED)
    stack = Stack(
        tfdir,
        variables={"name": "b", "size": 1, "enabled": True},
        target=local_target,
        state_dir=state_dir,
    )
    with pytest.raises(ZeroDivisionError), stack.lifecycle():
        assert stack.resources() == ["terraform_data.one"]
        _ = 1 / 0
    assert stack.resources() == []


def test_destroy_failure_does_not_hide_the_apply_error(
    write_config: WriteConfig, local_target: Target, state_dir: Path
) -> None:
    hcl = FAILS_HALFWAY.replace("echo destroyed >> ${self.input}", "exit 7")
    tfdir = write_config("destroyfails", hcl)
    stack = Stack(tfdir, variables={"marker": "unused"}, target=local_target, state_dir=state_dir)
    with pytest.raises(TerraformCommandError, match="second refuses") as caught, stack.lifecycle():
        pass
    assert caught.value.command[1] == "apply"
    notes = getattr(caught.value, "__notes__", None)
    if notes is not None:  # exception notes exist from Python 3.11 on
        assert any("terraform destroy also failed" in n for n in notes)
    assert stack.resources() == ["terraform_data.first"]


def test_keep_skips_destroy(
    write_config: WriteConfig,
    local_target: Target,
    state_dir: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    tfdir = write_config("typed", TYPED)
    stack = Stack(
        tfdir,
        variables={"name": "k", "size": 1, "enabled": True},
        target=local_target,
        state_dir=state_dir,
    )
    with stack.lifecycle(keep=True):
        pass
    assert stack.resources() == ["terraform_data.one"]
    assert "terraform destroy" in stack.destroy_hint()
    stack.destroy()


def test_timeout_stops_a_hung_terraform_and_its_children(
    write_config: WriteConfig, local_target: Target, state_dir: Path, tmp_path: Path
) -> None:
    pidfile = tmp_path / "sleep.pid"
    tfdir = write_config(
        "hang",
        f"""
        resource "terraform_data" "hang" {{
          provisioner "local-exec" {{ command = "echo $$ > {pidfile}; exec sleep 60" }}
        }}
        """,
    )
    stack = Stack(tfdir, variables={}, target=local_target, state_dir=state_dir, timeout_s=3)
    stack.init()
    started = time.monotonic()
    with pytest.raises(TerraformTimeoutError) as caught, stack.lifecycle():
        pytest.fail("apply should not have finished")
    elapsed = time.monotonic() - started
    message = str(caught.value)
    assert "terraform apply" in message and "within 3s" in message
    # Apply (3 s timeout) plus the destroy that followed; far below the sleep's 60 s.
    assert elapsed < 20, elapsed
    sleep_pid = int(pidfile.read_text())
    deadline = time.monotonic() + 5
    while _alive(sleep_pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _alive(sleep_pid), "the local-exec child outlived the timeout"
    assert stack.resources() == []  # the lifecycle destroyed the half-created resource


def test_tf_log_trace_without_log_path_does_not_deadlock(
    write_config: WriteConfig,
    local_target: Target,
    state_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TF_LOG", "TRACE")
    monkeypatch.delenv("TF_LOG_PATH", raising=False)
    tfdir = write_config("typed", TYPED)
    stack = Stack(
        tfdir,
        variables={"name": "t", "size": 1, "enabled": True},
        target=local_target,
        state_dir=state_dir,
        timeout_s=120,
    )
    with stack:
        pass
    log = state_dir / "terraform.log"
    assert log.stat().st_size > 64 * 1024  # the trace went to a file, not to a pipe


def test_runner_reads_more_than_a_pipe_buffer_of_stderr(
    write_config: WriteConfig, local_target: Target, state_dir: Path
) -> None:
    # Even with TF_LOG streaming to stderr (no TF_LOG_PATH), the runner must not deadlock.
    tfdir = write_config("typed", TYPED)
    env = terraform_env(local_target, state_dir)
    env.update(TF_LOG="TRACE", TF_DATA_DIR=str(state_dir / "raw-data"))
    env.pop("TF_LOG_PATH", None)
    for args in (
        ["init", "-input=false"],
        [
            "apply",
            "-auto-approve",
            "-input=false",
            "-var=name=t",
            "-var=size=1",
            "-var=enabled=true",
        ],
    ):
        done = run_with_timeout(["terraform", *args], cwd=tfdir, env=env, timeout_s=120)
        assert done.returncode == 0, done.stderr[-2000:]
    assert len(done.stderr) > 64 * 1024  # more than a pipe holds: read while it ran
    assert "Apply complete" in done.stdout


def test_run_with_timeout_names_a_missing_binary(tmp_path: Path) -> None:
    with pytest.raises(TerraformCommandError, match="not found on PATH"):
        run_with_timeout(
            ["no-such-terraform-binary", "version"], cwd=tmp_path, env=os.environ, timeout_s=5
        )


def test_plan_errors_carry_terraforms_message(
    write_config: WriteConfig, local_target: Target, state_dir: Path
) -> None:
    tfdir = write_config("broken", 'output "x" { value = terraform_data.missing.id }\n')
    stack = Stack(tfdir, variables={}, target=local_target, state_dir=state_dir)
    stack.init()
    with pytest.raises(TerraformCommandError, match="undeclared resource") as caught:
        stack.plan_exit_code()
    assert caught.value.returncode == 1


def test_unsupported_variable_types_are_refused(
    write_config: WriteConfig, local_target: Target, state_dir: Path
) -> None:
    tfdir = write_config("typed", TYPED)
    with pytest.raises(TypeError, match="'size'"):
        Stack(tfdir, variables={"size": object()}, target=local_target, state_dir=state_dir)


def test_nothing_of_terraforms_group_outlives_the_command(tmp_path: Path) -> None:
    # A provider plugin runs in terraform's group; one still there after terraform ended (as
    # after a SIGKILL of terraform) must not run on. A shell stands in for terraform here.
    pidfile = tmp_path / "child.pid"
    done = run_with_timeout(
        ["sh", "-c", f"sleep 600 & echo $! > {pidfile}; echo ended"],
        cwd=tmp_path,
        env=dict(os.environ),
        timeout_s=30,
    )
    assert done.returncode == 0 and done.stdout == "ended\n"
    assert not _alive(int(pidfile.read_text())), "a process of terraform's group outlived it"


def test_terraform_outlives_a_caller_that_dies_and_finishes_its_command(tmp_path: Path) -> None:
    # An xdist worker may end (execnet calls os._exit) while its terraform runs. Output to a pipe
    # would kill terraform with SIGPIPE at its next line, mid-command; it must finish instead.
    # The stand-in waits for its caller ($PPID) to be gone before it writes anything.
    started, finished = tmp_path / "started", tmp_path / "finished"
    script = (
        f"echo > {started}; while kill -0 $PPID 2>/dev/null; do sleep 0.05; done; "
        f"echo more output; echo more on stderr >&2; echo yes > {finished}"
    )
    caller = textwrap.dedent(
        f"""
        import os
        from asyncdlq.harness.stack import run_with_timeout
        run_with_timeout(["sh", "-c", {script!r}], cwd={str(tmp_path)!r},
                         env=dict(os.environ), timeout_s=120)
        """
    )
    proc = subprocess.Popen([sys.executable, "-c", caller])
    deadline = time.monotonic() + 60
    while not started.exists():
        assert proc.poll() is None and time.monotonic() < deadline, "the command never started"
        time.sleep(0.05)
    proc.kill()
    proc.wait()
    deadline = time.monotonic() + 30
    while not finished.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert finished.exists(), "the command died with its caller"
    assert finished.read_text() == "yes\n"


def test_every_terraform_carries_the_owner_marker(
    write_config: WriteConfig, local_target: Target, state_dir: Path, tmp_path: Path
) -> None:
    tfdir = write_config("typed", TYPED)
    work_root = tmp_path / "runs" / "abc" / "gw0"
    stack = Stack(
        tfdir,
        variables={"name": "t", "size": 1, "enabled": True},
        target=local_target,
        state_dir=state_dir,
        work_root=work_root,
    )
    assert stack.env[process_sweep.OWNER_ENV] == str(work_root.resolve())
