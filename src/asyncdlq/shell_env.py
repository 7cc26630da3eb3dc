"""`eval "$(make -s env)"`: the shell lines that point the AWS CLI and SDKs at a target, and that
undo the local target's lines when switching to TARGET=aws (docs/aws-behaviour.md, Region and
credentials on TARGET=aws).
"""

from __future__ import annotations

import shlex
from collections.abc import Mapping
from pathlib import Path

from .target import LOCAL_CREDENTIALS, Target, current_target

# What the local branch set, by name (space-separated), so the AWS branch can undo exactly that.
LOCAL_ENV_MARK = "ASYNCDLQ_LOCAL_ENV"
# The user's own value of a variable the local branch replaced, restored by the AWS branch.
SAVED_PREFIX = "ASYNCDLQ_SAVED_"
AWSCLI_CONFIG = Path("awscli") / "config"
_AWSCLI_PLUGIN_CONFIG = (
    "# Written by `asyncdlq env` (TARGET=local): AWS CLI v1 sends `aws sqs` to queue.amazonaws.com\n"
    "# unless --endpoint-url is given; this plugin lets it use AWS_ENDPOINT_URL like every other\n"
    '# command. `eval "$(make -s env TARGET=aws)"` switches back to your own config file.\n'
    "[plugins]\n"
    "asyncdlq = asyncdlq.awscli_plugin\n"
)


def _export(key: str, value: str) -> str:
    return f"export {key}={shlex.quote(value)}"


def local_env_lines(
    target: Target, environ: Mapping[str, str], awscli_config: Path | None
) -> list[str]:
    """Shell lines pointing the AWS CLI at the local ``target``; each variable they replace is
    saved first (once: applying them twice must not save the local values as the user's).

    ``awscli_config``: where to write the AWS CLI plugin's config file (None: no plugin, for an
    ``aws`` that is not this environment's and could not import it)."""
    values = dict(target.env())
    if awscli_config is not None:
        awscli_config.parent.mkdir(parents=True, exist_ok=True)
        awscli_config.write_text(_AWSCLI_PLUGIN_CONFIG)
        values["AWS_CONFIG_FILE"] = str(awscli_config)
    already = set(environ.get(LOCAL_ENV_MARK, "").split())
    lines = []
    for key, value in sorted(values.items()):
        mine = environ.get(key)
        if key not in already and mine is not None:
            # Saved even when equal: the AWS branch removes what it finds no saved value for.
            lines.append(_export(SAVED_PREFIX + key, mine))
        lines.append(_export(key, value) if value else f"unset {key}")
    lines.append(_export(LOCAL_ENV_MARK, " ".join(sorted(already | set(values)))))
    return lines


def restored_environ(environ: Mapping[str, str]) -> dict[str, str]:
    """``environ`` as it was before the local branch's lines were applied: saved values back,
    the rest of what the local branch set removed, and no emulator endpoint."""
    env = dict(environ)
    for key in env.pop(LOCAL_ENV_MARK, "").split():
        saved = env.pop(SAVED_PREFIX + key, None)
        if saved is not None:
            env[key] = saved
        else:
            env.pop(key, None)
    if all(env.get(k) == v for k, v in LOCAL_CREDENTIALS.items()):
        # The emulator's dummy keys (set by hand, or by an older `make env`): no account
        # accepts them, and they would hide the user's own credential chain.
        for key in LOCAL_CREDENTIALS:
            env.pop(key)
    for key in list(env):
        # TARGET=aws uses AWS's own endpoints (client/clients.py ignores configured ones too).
        if key == "AWS_ENDPOINT_URL" or key.startswith("AWS_ENDPOINT_URL_"):
            env.pop(key)
    return env


def aws_env_lines(environ: Mapping[str, str]) -> list[str]:
    """Shell lines for TARGET=aws in a shell that may hold the local branch's settings."""
    env = restored_environ(environ)
    lines = []
    for key in sorted(set(environ) | set(env)):
        if key in env and environ.get(key) != env[key]:
            lines.append(_export(key, env[key]))
        elif key not in env:
            lines.append(f"unset {key}")
    if "AWS_ENDPOINT_URL" not in environ:
        lines.append("unset AWS_ENDPOINT_URL")  # harmless when unset; kept for older shells
    region = current_target({**env, "TARGET": "aws"}).region
    lines.append(f"export AWS_REGION={region} AWS_DEFAULT_REGION={region}")
    return lines
