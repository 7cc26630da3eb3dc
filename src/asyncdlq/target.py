"""Where the module and the tests run: the local emulator (default) or a real AWS account.

Everything that talks to AWS (terraform, boto3, the AWS CLI) gets its settings from
``Target.env()``, so the same commands and tests run against either target.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass

DEFAULT_LOCAL_ENDPOINT = "http://127.0.0.1:4599"
DEFAULT_REGION = "us-east-1"
# The emulator accepts any credentials; these stop the SDKs from looking for real ones.
LOCAL_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test"}


class TargetError(ValueError):
    """A TARGET setting that cannot be used; the message says how to fix it."""


@dataclass(frozen=True)
class Target:
    name: str  # "local" or "aws"
    region: str
    endpoint_url: str | None  # None on AWS: the SDKs' own endpoint resolution applies

    @property
    def is_local(self) -> bool:
        return self.name == "local"

    def env(self) -> dict[str, str]:
        """Environment for terraform, boto3 and the AWS CLI to reach this target."""
        env = {"AWS_REGION": self.region, "AWS_DEFAULT_REGION": self.region}
        if self.is_local:
            assert self.endpoint_url
            env["AWS_ENDPOINT_URL"] = self.endpoint_url
            env.update(LOCAL_CREDENTIALS)
            # Real credentials or profiles of the user must not leak into local runs.
            env["AWS_PROFILE"] = ""
            env["AWS_SESSION_TOKEN"] = ""
        else:
            # A leftover emulator endpoint (from `eval "$(make env)"`) must not capture AWS runs.
            env["AWS_ENDPOINT_URL"] = ""
        return env

    def apply_to(self, environ: dict[str, str]) -> dict[str, str]:
        """A copy of ``environ`` with this target's settings (empty values removed)."""
        merged = {**environ, **self.env()}
        return {k: v for k, v in merged.items() if v != ""}


def current_target(environ: dict[str, str] | None = None) -> Target:
    """The target named by TARGET (local|aws), ASYNCDLQ_ENDPOINT and AWS_REGION."""
    environ = dict(os.environ if environ is None else environ)
    name = environ.get("TARGET", "local").strip().lower() or "local"
    region = environ.get("AWS_REGION") or environ.get("AWS_DEFAULT_REGION") or DEFAULT_REGION
    if name == "local":
        endpoint = environ.get("ASYNCDLQ_ENDPOINT") or DEFAULT_LOCAL_ENDPOINT
        if not endpoint.startswith(("http://", "https://")):
            raise TargetError(
                f"ASYNCDLQ_ENDPOINT={endpoint!r} is not a URL; use e.g. {DEFAULT_LOCAL_ENDPOINT}"
            )
        return Target("local", region, endpoint.rstrip("/"))
    if name == "aws":
        if not (environ.get("AWS_REGION") or environ.get("AWS_DEFAULT_REGION")):
            # docs/aws-behaviour.md, Region and credentials on TARGET=aws: the SDKs and the CLI
            # take the profile's `region` when no variable names one; exporting us-east-1 over it
            # would send every command to another region than the user's own tools use.
            region = profile_region(environ) or DEFAULT_REGION
        return Target("aws", region, None)
    raise TargetError(f"TARGET={name!r} is not known; use TARGET=local (default) or TARGET=aws")


def run_prefix(environ: dict[str, str] | None = None) -> str:
    """A short unique name prefix so concurrent runs in one account never collide."""
    environ = dict(os.environ if environ is None else environ)
    given = environ.get("ASYNCDLQ_RUN_ID")
    return given if given else f"adlq-{secrets.token_hex(3)}"


def profile_region(environ: Mapping[str, str]) -> str | None:
    """The ``region`` of the AWS profile ``environ`` selects (AWS_PROFILE, else ``default``) in
    its config file (AWS_CONFIG_FILE, else ~/.aws/config), as botocore reads it; None if unset."""
    # Lazy: botocore costs ~100 ms that `asyncdlq --help` and every local command would pay.
    import botocore.session
    from botocore.exceptions import BotoCoreError

    session = botocore.session.Session()
    # Instance variables win over botocore's own reading of os.environ, so ``environ`` decides.
    session.set_config_variable("config_file", environ.get("AWS_CONFIG_FILE") or "~/.aws/config")
    session.set_config_variable(
        "credentials_file", environ.get("AWS_SHARED_CREDENTIALS_FILE") or "~/.aws/credentials"
    )
    profile = environ.get("AWS_PROFILE") or environ.get("AWS_DEFAULT_PROFILE")
    if profile:
        session.set_config_variable("profile", profile)
    try:
        region = session.get_scoped_config().get("region")
    except BotoCoreError:  # a profile that does not exist: the user's tools will say so
        return None
    return str(region).strip() or None if region is not None else None
