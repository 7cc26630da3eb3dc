"""Terraform finds the provider in a filesystem mirror when there is one, else in the registry."""

from __future__ import annotations

from pathlib import Path

import pytest

from asyncdlq.target import Target
from asyncdlq.terraform_env import (
    TerraformConfigError,
    cli_config_text,
    find_provider_mirror,
    terraform_env,
    write_cli_config,
)


def _mirror(root: Path) -> Path:
    (root / "registry.terraform.io" / "hashicorp" / "aws" / "5.100.0").mkdir(parents=True)
    return root


def test_a_named_mirror_is_used(tmp_path: Path) -> None:
    mirror = _mirror(tmp_path / "m")
    assert find_provider_mirror({"ASYNCDLQ_PROVIDER_MIRROR": str(mirror)}) == mirror


def test_a_named_mirror_without_the_provider_is_refused(tmp_path: Path) -> None:
    with pytest.raises(TerraformConfigError, match="registry.terraform.io/hashicorp/aws"):
        find_provider_mirror({"ASYNCDLQ_PROVIDER_MIRROR": str(tmp_path)})


def test_the_config_uses_the_mirror_for_aws_only(tmp_path: Path) -> None:
    text = cli_config_text(tmp_path / "m", tmp_path / "cache")
    assert "filesystem_mirror" in text and f'path    = "{tmp_path / "m"}"' in text
    assert 'exclude = ["registry.terraform.io/hashicorp/aws"]' in text


def test_without_a_mirror_the_registry_is_used(tmp_path: Path) -> None:
    text = cli_config_text(None, tmp_path / "cache")
    assert "provider_installation" not in text  # terraform's default: the registry
    assert "plugin_cache_dir" in text


def test_runs_get_the_project_config_and_no_prompts(tmp_path: Path) -> None:
    mirror = _mirror(tmp_path / "m")
    environ = {"ASYNCDLQ_PROVIDER_MIRROR": str(mirror), "TF_LOG": "TRACE", "PATH": "/usr/bin"}
    env = terraform_env(Target("local", "us-east-1", "http://127.0.0.1:1"), tmp_path, environ)
    assert (
        Path(env["TF_CLI_CONFIG_FILE"]).read_text()
        == write_cli_config(tmp_path, environ).read_text()
    )
    assert (env["CHECKPOINT_DISABLE"], env["TF_IN_AUTOMATION"], env["TF_INPUT"]) == ("1", "1", "0")
    assert env["AWS_ENDPOINT_URL"] == "http://127.0.0.1:1"
    # TF_LOG to a pipe can deadlock the caller; it always goes to a file.
    assert env["TF_LOG_PATH"] == str(tmp_path / "terraform.log")
