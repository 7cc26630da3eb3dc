"""TF_BINARY picks the terraform binary (TF_BINARY=tofu for OpenTofu) everywhere the project runs it.

OpenTofu is not installed here, so a small script stands in: it records its arguments and the
CLI config it was given.
"""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from asyncdlq.cli import main as cli
from asyncdlq.harness.stack import Stack
from asyncdlq.target import Target
from asyncdlq.terraform_env import TerraformConfigError, terraform_binary

RECORDER = """#!/bin/sh
python3 - "$@" <<'EOF'
import json, os, sys
with open(os.environ["RECORD_TO"], "a") as f:
    f.write(json.dumps({"args": sys.argv[1:], "cli_config": os.environ.get("TF_CLI_CONFIG_FILE")}) + "\\n")
EOF
"""


@pytest.fixture
def fake_tofu(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    """An executable that records each call as a JSON line; returns (binary, record file)."""
    binary = tmp_path / "bin" / "tofu"
    binary.parent.mkdir()
    binary.write_text(RECORDER)
    binary.chmod(binary.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    record = tmp_path / "calls.jsonl"
    monkeypatch.setenv("RECORD_TO", str(record))
    return binary, record


def _calls(record: Path) -> list[dict]:
    return [json.loads(line) for line in record.read_text().splitlines()]


def test_the_default_is_terraform_on_path(fake_tofu: tuple[Path, Path]) -> None:
    binary, _ = fake_tofu
    (binary.parent / "terraform").symlink_to(binary)
    assert terraform_binary({"PATH": str(binary.parent)}) == str(binary.parent / "terraform")


def test_tf_binary_may_be_a_command_on_path_or_a_path(fake_tofu: tuple[Path, Path]) -> None:
    binary, _ = fake_tofu
    assert terraform_binary({"TF_BINARY": "tofu", "PATH": str(binary.parent)}) == str(binary)
    assert terraform_binary({"TF_BINARY": str(binary), "PATH": "/nonexistent"}) == str(binary)


def test_a_missing_tf_binary_is_named(tmp_path: Path) -> None:
    with pytest.raises(TerraformConfigError, match=r"TF_BINARY=tofu is not an executable"):
        terraform_binary({"TF_BINARY": "tofu", "PATH": str(tmp_path)})
    with pytest.raises(TerraformConfigError, match=r"terraform is not on PATH \(TF_BINARY"):
        terraform_binary({"PATH": str(tmp_path)})


def test_the_cli_runs_tf_binary_with_the_project_config(
    fake_tofu: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    binary, record = fake_tofu
    monkeypatch.setenv("TF_BINARY", str(binary))
    monkeypatch.setenv("TARGET", "local")
    monkeypatch.setattr(cli, "STATE_DIR", tmp_path / "state")
    assert cli.main(["terraform", "-chdir=examples/basic", "init", "-backend=false"]) == 0
    (call,) = _calls(record)
    assert call["args"] == ["-chdir=examples/basic", "init", "-backend=false"]
    assert call["cli_config"] == str((tmp_path / "state" / "terraform.rc").resolve())


def test_the_cli_names_a_missing_tf_binary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TF_BINARY", str(tmp_path / "no-such-tofu"))
    monkeypatch.setattr(cli, "STATE_DIR", tmp_path / "state")
    assert cli.main(["terraform", "version"]) == 127
    assert "TF_BINARY=" in capsys.readouterr().err


def test_the_harness_runs_tf_binary(
    fake_tofu: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    binary, record = fake_tofu
    monkeypatch.setenv("TF_BINARY", str(binary))
    tfdir = tmp_path / "stack"
    tfdir.mkdir()
    stack = Stack(
        tfdir,
        variables={},
        target=Target("local", "us-east-1", "http://127.0.0.1:9"),
        state_dir=tmp_path / "state",
    )
    assert stack.resources() == []
    (call,) = _calls(record)
    assert call["args"] == ["state", "list", f"-state={stack.state_file}"]
    assert call["cli_config"] == stack.env["TF_CLI_CONFIG_FILE"]
    assert str(binary) in stack.destroy_hint()


def test_the_harness_names_a_missing_tf_binary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TF_BINARY", "no-such-tofu")
    (tmp_path / "stack").mkdir()
    with pytest.raises(TerraformConfigError, match="TF_BINARY=no-such-tofu"):
        Stack(
            tmp_path / "stack",
            variables={},
            target=Target("local", "us-east-1", "http://127.0.0.1:9"),
            state_dir=tmp_path / "state",
        )
