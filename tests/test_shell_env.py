"""`eval "$(make -s env)"` and its TARGET=aws counterpart: the AWS branch undoes the local one,
a region set only in the AWS profile is used on TARGET=aws, and the AWS CLI v1 this project
installs reaches the emulator with nothing but the exported settings (`aws sqs` included)."""

from __future__ import annotations

import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from asyncdlq.emulator.server import EmulatorServer
from asyncdlq.shell_env import restored_environ
from asyncdlq.target import current_target, profile_region
from tests.emulator.conftest import Aws

BIN = Path(sys.executable).parent
ASYNCDLQ = BIN / "asyncdlq"


def shell_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """A clean environment for a shell that evals `asyncdlq env` (what `make env` runs)."""
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    return {
        "HOME": str(home),
        "PATH": f"{BIN}:/usr/bin:/bin",
        "ASYNCDLQ_STATE_DIR": str(tmp_path / "state"),
        **extra,
    }


def run_shell(script: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "-c", script], env=env, capture_output=True, text=True, timeout=120
    )


def printed_env(stdout: str) -> dict[str, str]:
    return dict(line.split("=", 1) for line in stdout.splitlines() if "=" in line)


@pytest.fixture
def aws_config(tmp_path: Path) -> Path:
    path = tmp_path / "aws-config"
    path.write_text("[default]\nregion = eu-west-1\n\n[profile sbx]\nregion = ap-south-1\n")
    return path


def test_the_aws_branch_undoes_the_local_one_and_restores_the_users_settings(
    tmp_path: Path, aws_config: Path
) -> None:
    env = shell_env(tmp_path, AWS_PROFILE="sbx", AWS_CONFIG_FILE=str(aws_config))
    done = run_shell(
        f'eval "$({ASYNCDLQ} env)"; echo "local AWS_ACCESS_KEY_ID=$AWS_ACCESS_KEY_ID"; '
        f'eval "$(TARGET=aws {ASYNCDLQ} env)"; env | grep -E "^(AWS|ASYNCDLQ_(SAVED|LOCAL))"',
        env,
    )
    assert done.returncode == 0, done.stderr
    assert "local AWS_ACCESS_KEY_ID=test" in done.stdout
    after = printed_env(done.stdout.split("\n", 1)[1])
    # No emulator keys, endpoint or bookkeeping left; the user's profile and config are back,
    # and the region is the profile's.
    assert after == {
        "AWS_PROFILE": "sbx",
        "AWS_CONFIG_FILE": str(aws_config),
        "AWS_REGION": "ap-south-1",
        "AWS_DEFAULT_REGION": "ap-south-1",
    }


def test_twice_local_then_aws_still_restores_the_users_own_values(tmp_path: Path) -> None:
    env = shell_env(tmp_path, AWS_REGION="eu-central-1", AWS_PROFILE="mine")
    done = run_shell(
        f'eval "$({ASYNCDLQ} env)"; eval "$({ASYNCDLQ} env)"; '
        f'eval "$(TARGET=aws {ASYNCDLQ} env)"; env | grep -E "^AWS"',
        env,
    )
    assert done.returncode == 0, done.stderr
    assert printed_env(done.stdout) == {
        "AWS_PROFILE": "mine",
        "AWS_REGION": "eu-central-1",
        "AWS_DEFAULT_REGION": "eu-central-1",
    }


def test_only_the_emulators_dummy_keys_are_dropped_never_real_ones() -> None:
    dummy = {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test", "HOME": "/h"}
    assert restored_environ(dummy) == {"HOME": "/h"}
    real = {"AWS_ACCESS_KEY_ID": "AKIAEXAMPLE", "AWS_SECRET_ACCESS_KEY": "s3cret"}
    assert restored_environ(real) == real
    leftover = {"AWS_ENDPOINT_URL": "http://127.0.0.1:4599", "AWS_ENDPOINT_URL_SQS": "http://x"}
    assert restored_environ(leftover) == {}


def test_a_region_only_in_the_profile_is_used_on_aws(aws_config: Path) -> None:
    base = {"TARGET": "aws", "AWS_CONFIG_FILE": str(aws_config)}
    assert current_target(base).region == "eu-west-1"  # the default profile's
    assert current_target({**base, "AWS_PROFILE": "sbx"}).region == "ap-south-1"
    # A variable still wins, as in the SDKs; a missing profile leaves the fallback.
    assert current_target({**base, "AWS_REGION": "us-west-2"}).region == "us-west-2"
    assert current_target({**base, "AWS_PROFILE": "nope"}).region == "us-east-1"
    assert profile_region({"AWS_CONFIG_FILE": str(aws_config) + ".missing"}) is None
    # TARGET=local keeps its own default: a local run never reads the user's profile.
    assert current_target({**base, "TARGET": "local"}).region == "us-east-1"


def test_make_env_for_aws_exports_the_profiles_region(tmp_path: Path, aws_config: Path) -> None:
    env = shell_env(tmp_path, TARGET="aws", AWS_CONFIG_FILE=str(aws_config))
    done = subprocess.run(
        [str(ASYNCDLQ), "env"], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert "export AWS_REGION=eu-west-1 AWS_DEFAULT_REGION=eu-west-1" in done.stdout


def test_the_tutorials_cli_commands_reach_the_emulator_as_written(
    emulator: EmulatorServer, aws: Aws, tmp_path: Path
) -> None:
    if not (BIN / "aws").exists():
        pytest.skip("the project's AWS CLI is not installed in this environment")
    queue = f"dlq-{uuid.uuid4().hex[:8]}"
    url = aws.client("sqs").create_queue(QueueName=queue)["QueueUrl"]
    # A user's own credentials and profile in the shell must not matter either.
    env = shell_env(
        tmp_path,
        ASYNCDLQ_ENDPOINT=emulator.endpoint_url,
        AWS_PROFILE="someone",
        AWS_ACCESS_KEY_ID="AKIAEXAMPLE",
        AWS_SECRET_ACCESS_KEY="real",
    )
    done = run_shell(
        f'set -e; eval "$({ASYNCDLQ} env)"; '
        f"aws sqs get-queue-url --queue-name {queue} --output text; "
        "aws lambda list-functions --max-items 1 --output json >/dev/null; "
        "aws logs describe-log-groups --max-items 1 --output json >/dev/null; echo all-ok",
        {**env, "AWS_MAX_ATTEMPTS": "1"},
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == [url, "all-ok"]


def test_cli_v1_still_replaces_the_sqs_endpoint_the_plugin_restores() -> None:
    """Why the plugin exists: an awscli upgrade that drops the customization fails here."""
    from awscli.customizations.overridesslcommonname import SSL_COMMON_NAMES

    assert SSL_COMMON_NAMES["sqs"]["us-east-1"] == "queue.amazonaws.com"
