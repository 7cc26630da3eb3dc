"""The account check before anything creates or deletes on TARGET=aws.

Test stacks and the sweep create and delete resources by name prefix; in a shared or production
account that could remove someone else's work. So TARGET=aws runs only when the caller names the
ephemeral account they mean, and the credentials really belong to it.

Every path to an account goes through it: the pytest fixture, ``asyncdlq sweep``,
``asyncdlq demo`` and ``asyncdlq terraform`` (so ``make apply/destroy``), except the terraform
commands that reach no account at all (``terraform_reaches_account``).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

if TYPE_CHECKING:
    from ..target import Target

ACCOUNT_ENV = "ASYNCDLQ_AWS_ACCOUNT_ID"
_ACCOUNT_ID = re.compile(r"\d{12}")
_HOW_TO_FIND = "(its id: aws sts get-caller-identity --query Account --output text)"


class GuardrailError(RuntimeError):
    """TARGET=aws must not run here; the message says why and what to do."""


def check_account(sts_client: Any, environ: Mapping[str, str] = os.environ) -> str:
    """The account id of ``sts_client``'s credentials, if it is the one ACCOUNT_ENV names."""
    expected = environ.get(ACCOUNT_ENV, "").strip()
    if not expected:
        raise GuardrailError(
            f"TARGET=aws runs only against an ephemeral account: set {ACCOUNT_ENV}=<12 digits> "
            f"to the account you mean to create and delete test resources in {_HOW_TO_FIND}; "
            "never use a shared or production account"
        )
    if not _ACCOUNT_ID.fullmatch(expected):
        raise GuardrailError(
            f"{ACCOUNT_ENV}={expected!r} is not an AWS account id: use the account's 12 digits, "
            f"e.g. {ACCOUNT_ENV}=123456789012 {_HOW_TO_FIND}"
        )
    try:
        actual = str(sts_client.get_caller_identity()["Account"])
    except NoCredentialsError:
        raise GuardrailError(
            "TARGET=aws found no AWS credentials: it uses the standard credential chain "
            "(AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE, SSO, ~/.aws/credentials, an "
            f"instance or task role); sign in to account {expected} (e.g. aws sso login) and retry"
        ) from None
    except ClientError as exc:
        error = exc.response.get("Error", {})
        raise GuardrailError(
            f"STS refused the AWS credentials ({error.get('Code')}: {error.get('Message')}); "
            f"refresh them for account {expected} and retry"
        ) from None
    except BotoCoreError as exc:
        raise GuardrailError(
            f"could not ask STS which account the credentials belong to: {exc}"
        ) from None
    if actual != expected:
        raise GuardrailError(
            f"the AWS credentials belong to account {actual}, not {ACCOUNT_ENV}={expected}; "
            "switch to credentials for the ephemeral account, or correct the variable if that "
            "account is the one you mean"
        )
    return actual


# Terraform commands that never call AWS: they read or rewrite configuration files, or talk to
# the provider registry only. `make lint` runs them (fmt, init -backend=false, validate) with any
# TARGET, and they need no account. Everything else (init with a backend, plan, apply, destroy,
# import, refresh, test, state, console, ...) is checked: a new or unknown command is too.
_NO_ACCOUNT_COMMANDS = frozenset({"version", "fmt", "validate", "providers", "help"})
_NO_ACCOUNT_FLAGS = frozenset({"-version", "--version", "-v", "-help", "--help", "-h"})


def terraform_reaches_account(args: list[str]) -> bool:
    """Whether ``terraform *args`` may call AWS (and so needs the account check)."""
    command = next((arg for arg in args if not arg.startswith("-")), None)
    before = args if command is None else args[: args.index(command)]
    if any(flag in _NO_ACCOUNT_FLAGS for flag in before):
        return False
    if command is None:
        return False  # bare `terraform`: its usage text
    if command == "init":
        # Without a backend, init only installs providers and modules.
        return "-backend=false" not in args
    return command not in _NO_ACCOUNT_COMMANDS


def check_target(target: Target, environ: Mapping[str, str] = os.environ) -> str | None:
    """check_account for ``target`` with its own credentials; None (nothing to check) locally."""
    if target.is_local:
        return None
    from ..client.clients import clients

    return check_account(clients(target).client("sts"), environ)
