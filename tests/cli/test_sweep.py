"""``asyncdlq sweep`` end to end against the in-process emulator (TARGET=local)."""

from __future__ import annotations

import argparse
import socket
from collections.abc import Iterator

import pytest

from asyncdlq.cli import sweep as cli_sweep
from asyncdlq.client.clients import clients
from asyncdlq.emulator.server import EmulatorServer
from asyncdlq.harness.guardrail import ACCOUNT_ENV
from asyncdlq.target import Target
from tests.harness.sweep_resources import OLD, QUEUE, ROLE, Maker, new_run_id


def sweep_cli(*argv: str) -> int:
    """Parse ``sweep <argv>`` as the asyncdlq command would and run it."""
    parser = argparse.ArgumentParser(prog="asyncdlq")
    cli_sweep.add_parser(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["sweep", *argv])
    return int(args.func(args))


@pytest.fixture
def local(emulator: EmulatorServer, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("TARGET", "local")
    monkeypatch.setenv("ASYNCDLQ_ENDPOINT", emulator.endpoint_url)
    return emulator.endpoint_url


@pytest.fixture
def make(emulator: EmulatorServer) -> Iterator[Maker]:
    maker = Maker(clients(Target("local", "us-east-1", emulator.endpoint_url)), new_run_id())
    yield maker
    maker.cleanup()


def test_sweep_deletes_what_is_old_and_exits_0(
    local: str, make: Maker, capsys: pytest.CaptureFixture[str]
) -> None:
    queue = make.make(QUEUE, f"{make.prefix}-dlq", OLD)

    assert sweep_cli("--older-than", "1h30m", "--prefix", make.prefix) == 0

    out = capsys.readouterr().out
    assert f"sweeping {local}" in out
    assert f"deleted SQS queue {queue} (created " in out
    assert f"sweep (prefix '{make.prefix}', older than 1h30m): 1 deleted, 0 kept, 0 failed" in out
    assert not make.exists(QUEUE, queue)


def test_a_dry_run_reports_and_keeps(
    local: str, make: Maker, capsys: pytest.CaptureFixture[str]
) -> None:
    queue = make.make(QUEUE, f"{make.prefix}-dlq", OLD)

    assert sweep_cli("--older-than", "2h", "--prefix", make.prefix, "--dry-run") == 0

    out = capsys.readouterr().out
    assert f"would delete SQS queue {queue}" in out and "(dry run)" in out
    assert make.exists(QUEUE, queue)


def test_a_failed_deletion_exits_1(
    local: str, make: Maker, capsys: pytest.CaptureFixture[str]
) -> None:
    iam = make.c.client("iam")
    role = make.make(ROLE, f"{make.prefix}-role", OLD)
    profile = f"{make.prefix}-profile"
    iam.create_instance_profile(InstanceProfileName=profile)
    iam.add_role_to_instance_profile(InstanceProfileName=profile, RoleName=role)
    try:
        assert sweep_cli("--older-than", "2h", "--prefix", make.prefix) == 1
        assert f"FAILED IAM role {role}" in capsys.readouterr().out
    finally:
        iam.remove_role_from_instance_profile(InstanceProfileName=profile, RoleName=role)
        iam.delete_instance_profile(InstanceProfileName=profile)


@pytest.mark.parametrize("value", ["2x", "2", "h"])
def test_a_bad_duration_exits_2_naming_it(value: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        sweep_cli("--older-than", value)
    assert caught.value.code == 2
    err = capsys.readouterr().err
    assert f"{value!r} is not a duration" in err and "e.g. 2h" in err


def test_an_empty_prefix_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        sweep_cli("--older-than", "2h", "--prefix", " ")
    assert caught.value.code == 2
    assert "prefix must not be empty" in capsys.readouterr().err


def test_no_emulator_is_a_clear_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with socket.socket() as sock:  # a port that was free a moment ago: nothing listens there
        sock.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    monkeypatch.setenv("TARGET", "local")
    monkeypatch.setenv("ASYNCDLQ_ENDPOINT", url)

    assert sweep_cli("--older-than", "2h") == 1
    assert f"no emulator answers at {url}; nothing to sweep" in capsys.readouterr().err


@pytest.mark.parametrize("account", [None, "not-an-id"])
def test_aws_without_a_valid_account_id_exits_2(
    account: str | None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TARGET", "aws")
    if account is None:
        monkeypatch.delenv(ACCOUNT_ENV, raising=False)
    else:
        monkeypatch.setenv(ACCOUNT_ENV, account)

    assert sweep_cli("--older-than", "2h") == 2
    err = capsys.readouterr().err
    assert ACCOUNT_ENV in err and "12 digits" in err


def test_a_bad_target_exits_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TARGET", "azure")
    assert sweep_cli("--older-than", "2h") == 2
    assert "TARGET='azure' is not known" in capsys.readouterr().err
