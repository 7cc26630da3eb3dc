"""Terraform settings for the project's own runs: provider source, no telemetry, no prompts.

Machines without the Terraform registry carry the hashicorp/aws provider in a filesystem mirror;
machines with the registry have none. The CLI config written here uses a mirror when one is found
(ASYNCDLQ_PROVIDER_MIRROR, then the usual places) and the registry otherwise, so nothing needs
editing between the two.

The binary is ``TF_BINARY`` (default ``terraform``), so ``TF_BINARY=tofu`` runs OpenTofu with the
same CLI config (OpenTofu reads TF_CLI_CONFIG_FILE too).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from .target import Target

MIRROR_ENV = "ASYNCDLQ_PROVIDER_MIRROR"
BINARY_ENV = "TF_BINARY"
DEFAULT_BINARY = "terraform"
# Where terraform itself looks for implied local mirrors, plus the mirror these build machines use.
_USUAL_MIRRORS = (
    "~/.terraform.d/plugins",
    "~/.local/share/terraform/plugins",
    "/usr/local/share/terraform/plugins",
    "/usr/share/terraform/plugins",
    "/opt/tf-plugins",
)
_AWS_PROVIDER = Path("registry.terraform.io/hashicorp/aws")


class TerraformConfigError(ValueError):
    """A Terraform setting that cannot work; the message says how to fix it."""


def find_provider_mirror(environ: dict[str, str] | None = None) -> Path | None:
    """The filesystem mirror holding hashicorp/aws, or None to use the registry."""
    environ = dict(os.environ if environ is None else environ)
    named = environ.get(MIRROR_ENV)
    if named:
        path = Path(named).expanduser()
        if not (path / _AWS_PROVIDER).is_dir():
            raise TerraformConfigError(
                f"{MIRROR_ENV}={named} has no {_AWS_PROVIDER}/ inside; point it at the folder "
                "that contains registry.terraform.io/, or unset it to use the registry"
            )
        return path
    for candidate in _USUAL_MIRRORS:
        path = Path(candidate).expanduser()
        if (path / _AWS_PROVIDER).is_dir():
            return path
    return None


def terraform_binary(environ: dict[str, str] | None = None) -> str:
    """The full path of the terraform (or OpenTofu) binary: ``TF_BINARY``, else ``terraform``.

    ``TF_BINARY`` may be a command on PATH (``tofu``) or a path. Raises TerraformConfigError,
    naming TF_BINARY, when it cannot be found.
    """
    environ = dict(os.environ if environ is None else environ)
    named = environ.get(BINARY_ENV, "").strip()
    found = shutil.which(named or DEFAULT_BINARY, path=environ.get("PATH", os.defpath))
    if found is not None:
        return found
    if named:
        raise TerraformConfigError(
            f"{BINARY_ENV}={named} is not an executable on PATH or an executable file; set "
            f"{BINARY_ENV} to terraform or tofu (>= 1.7) or their full path, or unset it"
        )
    raise TerraformConfigError(
        f"{DEFAULT_BINARY} is not on PATH ({BINARY_ENV} is unset); install Terraform >= 1.7, or "
        f"set {BINARY_ENV}=tofu (or a full path) to use OpenTofu"
    )


def cli_config_text(mirror: Path | None, plugin_cache: Path) -> str:
    lines = [f'plugin_cache_dir = "{plugin_cache.as_posix()}"', ""]
    if mirror is not None:
        lines += [
            "provider_installation {",
            "  filesystem_mirror {",
            f'    path    = "{mirror.as_posix()}"',
            '    include = ["registry.terraform.io/hashicorp/aws"]',
            "  }",
            "  direct {",
            '    exclude = ["registry.terraform.io/hashicorp/aws"]',
            "  }",
            "}",
        ]
    return "\n".join(lines) + "\n"


def write_cli_config(state_dir: Path, environ: dict[str, str] | None = None) -> Path:
    """Write the project's terraform CLI config under ``state_dir``; return its path."""
    cache = state_dir / "plugin-cache"
    cache.mkdir(parents=True, exist_ok=True)
    path = state_dir / "terraform.rc"
    text = cli_config_text(find_provider_mirror(environ), cache.resolve())
    if not path.exists() or path.read_text() != text:
        path.write_text(text)
    return path


def terraform_env(
    target: Target, state_dir: Path, environ: dict[str, str] | None = None
) -> dict[str, str]:
    """The full environment for a terraform run against ``target``."""
    base = dict(os.environ if environ is None else environ)
    env = target.apply_to(base)
    env["TF_CLI_CONFIG_FILE"] = str(write_cli_config(state_dir, base))
    env["CHECKPOINT_DISABLE"] = "1"
    env["TF_IN_AUTOMATION"] = "1"
    env["TF_INPUT"] = "0"
    if env.get("TF_LOG") and not env.get("TF_LOG_PATH"):
        # A TF_LOG stream on stderr can fill the pipe and deadlock the caller (tftest reads
        # stderr only after the process ends), so logs always go to a file.
        env["TF_LOG_PATH"] = str(state_dir / "terraform.log")
    return env
