"""The TARGET=aws account guardrail, against the emulator's STS (account 123456789012)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config

from asyncdlq.harness.guardrail import ACCOUNT_ENV, GuardrailError, check_account
from tests.emulator.conftest import Aws

EMULATOR_ACCOUNT = "123456789012"


@pytest.fixture
def sts(aws: Aws) -> Any:
    return aws.client("sts")


@pytest.fixture
def unreachable_sts() -> Any:
    # Nothing listens on port 9: a call that reaches the network fails with a different message,
    # so the tests below also show that a bad variable is refused before STS is asked.
    return boto3.client(
        "sts",
        endpoint_url="http://127.0.0.1:9",
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
        config=Config(retries={"max_attempts": 1}, connect_timeout=2),
    )


def test_the_named_account_passes(sts: Any) -> None:
    assert check_account(sts, {ACCOUNT_ENV: EMULATOR_ACCOUNT}) == EMULATOR_ACCOUNT
    assert check_account(sts, {ACCOUNT_ENV: f" {EMULATOR_ACCOUNT}\n"}) == EMULATOR_ACCOUNT


def test_another_account_is_refused(sts: Any) -> None:
    with pytest.raises(GuardrailError) as caught:
        check_account(sts, {ACCOUNT_ENV: "210987654321"})
    message = str(caught.value)
    assert f"belong to account {EMULATOR_ACCOUNT}, not {ACCOUNT_ENV}=210987654321" in message


@pytest.mark.parametrize("environ", [{}, {ACCOUNT_ENV: ""}, {ACCOUNT_ENV: "  "}])
def test_an_unset_account_is_refused(unreachable_sts: Any, environ: dict[str, str]) -> None:
    with pytest.raises(GuardrailError) as caught:
        check_account(unreachable_sts, environ)
    assert str(caught.value).startswith(
        "TARGET=aws runs only against an ephemeral account: "
        f"set {ACCOUNT_ENV}=<12 digits> to the account you mean"
    )


@pytest.mark.parametrize(
    "value", ["12345678901", "1234567890123", "abcdefghijkl", "1234-5678-9012", "12345678901x"]
)
def test_a_malformed_account_is_refused(unreachable_sts: Any, value: str) -> None:
    with pytest.raises(GuardrailError) as caught:
        check_account(unreachable_sts, {ACCOUNT_ENV: value})
    message = str(caught.value)
    assert f"{ACCOUNT_ENV}={value!r} is not an AWS account id" in message
    assert "12 digits" in message


def test_missing_credentials_point_at_the_credential_chain(
    aws: Aws, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    for name in ("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    sts = boto3.Session(region_name="us-east-1").client("sts", endpoint_url=aws.endpoint_url)

    with pytest.raises(GuardrailError) as caught:
        check_account(sts, {ACCOUNT_ENV: EMULATOR_ACCOUNT})
    assert "found no AWS credentials: it uses the standard credential chain" in str(caught.value)


def test_an_unreachable_sts_is_a_guardrail_error(unreachable_sts: Any) -> None:
    with pytest.raises(GuardrailError, match="could not ask STS"):
        check_account(unreachable_sts, {ACCOUNT_ENV: EMULATOR_ACCOUNT})
