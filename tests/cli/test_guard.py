"""On TARGET=aws the account guardrail runs before any terraform, demo or sweep command: without
ASYNCDLQ_AWS_ACCOUNT_ID they stop with one line naming it, and terraform never starts (a
TF_BINARY that records each run proves it)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from asyncdlq.harness.guardrail import ACCOUNT_ENV, terraform_reaches_account

BIN = Path(sys.executable).parent
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def recorder(tmp_path: Path) -> tuple[Path, Path]:
    """A stand-in terraform that appends its arguments to a file; (binary, record)."""
    record = tmp_path / "terraform-ran"
    binary = tmp_path / "fake-terraform"
    binary.write_text(f'#!/bin/sh\necho "$@" >> {record}\n')
    binary.chmod(0o755)
    return binary, record


def aws_env(tmp_path: Path, binary: Path, **extra: str) -> dict[str, str]:
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    return {
        "HOME": str(home),
        "PATH": f"{BIN}:/usr/bin:/bin",
        "TARGET": "aws",
        "AWS_REGION": "us-east-1",
        "TF_BINARY": str(binary),
        "ASYNCDLQ_STATE_DIR": str(tmp_path / "state"),
        # Never reach a real STS from a test, should the guard ever ask it.
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_CONFIG_FILE": str(tmp_path / "no-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "no-credentials"),
        **extra,
    }


def run(argv: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, env=env, cwd=ROOT, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize(
    "command",
    [
        ["terraform", "apply", "-auto-approve"],
        ["terraform", "init", "-input=false"],
        ["terraform", "-chdir=examples/basic", "destroy"],
        ["demo"],
    ],
)
def test_without_the_account_variable_nothing_starts(
    tmp_path: Path, recorder: tuple[Path, Path], command: list[str]
) -> None:
    binary, record = recorder
    done = run([str(BIN / "asyncdlq"), *command], aws_env(tmp_path, binary))
    assert done.returncode == 2
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and ACCOUNT_ENV in lines[0], done.stderr
    assert lines[0].startswith(f"asyncdlq {command[0]}: TARGET=aws runs only against")
    assert not record.exists(), "terraform ran before the guardrail"


def test_a_malformed_account_id_stops_it_too(tmp_path: Path, recorder: tuple[Path, Path]) -> None:
    binary, record = recorder
    env = aws_env(tmp_path, binary, **{ACCOUNT_ENV: "prod"})
    done = run([str(BIN / "asyncdlq"), "terraform", "apply"], env)
    assert done.returncode == 2 and "is not an AWS account id" in done.stderr
    assert not record.exists()


def test_commands_that_reach_no_account_run_unguarded(
    tmp_path: Path, recorder: tuple[Path, Path]
) -> None:
    binary, record = recorder
    for args in (["version"], ["fmt", "-check"], ["-chdir=.", "validate"]):
        done = run([str(BIN / "asyncdlq"), "terraform", *args], aws_env(tmp_path, binary))
        assert done.returncode == 0, done.stderr
    assert record.read_text().splitlines() == ["version", "fmt -check", "-chdir=. validate"]


def test_make_apply_and_demo_stop_before_terraform(
    tmp_path: Path, recorder: tuple[Path, Path]
) -> None:
    if subprocess.run(["make", "-q", "install"], cwd=ROOT).returncode != 0:
        pytest.skip("the venv is not current: make would reinstall it first")
    binary, record = recorder
    for goal in ("apply", "destroy", "demo"):
        done = run(["make", "-s", goal], aws_env(tmp_path, binary))
        assert done.returncode != 0
        ours = [line for line in done.stderr.splitlines() if not line.startswith("make")]
        assert len(ours) == 1 and ACCOUNT_ENV in ours[0], done.stderr
    assert not record.exists(), "terraform ran before the guardrail"


@pytest.mark.parametrize(
    ("args", "reaches"),
    [
        ([], False),
        (["-version"], False),
        (["-chdir=x", "-help"], False),
        (["version"], False),
        (["fmt", "-recursive"], False),
        (["-chdir=x", "validate"], False),
        (["init", "-backend=false", "-input=false"], False),
        (["providers", "lock"], False),
        (["init", "-input=false"], True),
        (["plan"], True),
        (["apply", "-auto-approve"], True),
        (["-chdir=x", "destroy"], True),
        (["test"], True),
        (["import", "a.b", "id"], True),
        (["state", "rm", "a.b"], True),
        (["console"], True),
        (["something-new"], True),
    ],
)
def test_which_terraform_commands_are_checked(args: list[str], reaches: bool) -> None:
    assert terraform_reaches_account(args) is reaches
