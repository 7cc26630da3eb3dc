"""TARGET picks the emulator or a real account; local runs never see real credentials."""

from __future__ import annotations

import pytest

from asyncdlq.target import TargetError, current_target, run_prefix


def test_local_is_the_default_and_uses_dummy_credentials() -> None:
    target = current_target({"AWS_PROFILE": "prod", "AWS_SESSION_TOKEN": "secret"})
    assert target.is_local and target.endpoint_url == "http://127.0.0.1:4599"
    env = target.apply_to({"AWS_PROFILE": "prod", "AWS_SESSION_TOKEN": "secret", "HOME": "/h"})
    assert "AWS_PROFILE" not in env and "AWS_SESSION_TOKEN" not in env
    assert env["AWS_ACCESS_KEY_ID"] == "test" and env["HOME"] == "/h"


def test_aws_keeps_the_users_credential_chain() -> None:
    target = current_target({"TARGET": "aws", "AWS_REGION": "eu-west-1", "AWS_PROFILE": "sbx"})
    env = target.apply_to({"AWS_PROFILE": "sbx", "AWS_ENDPOINT_URL": "http://127.0.0.1:4599"})
    assert not target.is_local and target.endpoint_url is None
    assert env["AWS_PROFILE"] == "sbx" and env["AWS_REGION"] == "eu-west-1"
    assert "AWS_ENDPOINT_URL" not in env


def test_bad_settings_say_how_to_fix_them() -> None:
    with pytest.raises(TargetError, match="TARGET=local .* or TARGET=aws"):
        current_target({"TARGET": "azure"})
    with pytest.raises(TargetError, match="not a URL"):
        current_target({"ASYNCDLQ_ENDPOINT": "127.0.0.1:4599"})


def test_run_prefixes_are_unique_unless_fixed() -> None:
    assert run_prefix({}) != run_prefix({})
    assert run_prefix({"ASYNCDLQ_RUN_ID": "ci-42"}) == "ci-42"
