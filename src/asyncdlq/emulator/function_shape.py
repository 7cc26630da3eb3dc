"""A function's configuration as Lambda answers it (CreateFunction, GetFunction,
GetFunctionConfiguration, the Update* calls, PublishVersion): moto's dict, reshaped to AWS's keys
(docs/aws-behaviour.md, Function configuration and states).

Pure functions of dicts: the caller (lambda_backend.EmulatedFunction) supplies what moto drops.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from typing import Any

from .function_state import StateView

# moto's keys that the emulator owns (state) or that AWS sends only when they are set.
_STATE_KEYS = ("State", "StateReason", "StateReasonCode", "LastUpdateStatus")
_STATE_KEYS += ("LastUpdateStatusReason", "LastUpdateStatusReasonCode", "RevisionId")
# moto: 2024-01-02T03:04:05.678901000Z; AWS: 2024-01-02T03:04:05.678+0000.
_MOTO_TIME = re.compile(r"^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})\.(\d{3})\d*Z$")


@dataclass(frozen=True)
class Extras:
    """What the configuration holds beyond moto's dict (moto drops or never had these)."""

    state: StateView
    # Environment as the caller set it: None when never set (AWS then sends no Environment).
    environment: dict[str, str] | None = None
    dead_letter_arn: str | None = None
    kms_key_arn: str | None = None
    logging_config: dict[str, Any] = field(default_factory=dict)


def runtime_version_arn(partition: str, region: str, runtime: str) -> str:
    """A runtime version ARN in AWS's form (``arn:<partition>:lambda:<region>::runtime:<id>``):
    one stable id per runtime, as a function on an unchanged managed runtime keeps."""
    digest = hashlib.sha256(f"asyncdlq-emulator:{runtime}".encode()).hexdigest()
    return f"arn:{partition}:lambda:{region}::runtime:{digest}"


def aws_timestamp(moto_time: str) -> str:
    """LastModified in AWS's form; anything else is passed through."""
    match = _MOTO_TIME.match(moto_time or "")
    return f"{match.group(1)}.{match.group(2)}+0000" if match else moto_time


def configuration(
    moto_config: dict[str, Any], extras: Extras, partition: str, region: str
) -> dict[str, Any]:
    """The FunctionConfiguration AWS sends for a function whose moto dict is ``moto_config``."""
    config = {
        key: value
        for key, value in moto_config.items()
        if value is not None and key not in _STATE_KEYS and key != "Environment"
    }
    if not config.get("Layers"):
        config.pop("Layers", None)  # AWS sends Layers only when the function has some
    config.update(extras.state.fields())
    if extras.environment is not None:
        config["Environment"] = {"Variables": dict(extras.environment)}
    if extras.dead_letter_arn:
        config["DeadLetterConfig"] = {"TargetArn": extras.dead_letter_arn}
    if extras.kms_key_arn:
        config["KMSKeyArn"] = extras.kms_key_arn
    config["LoggingConfig"] = dict(extras.logging_config)
    if "LastModified" in config:
        config["LastModified"] = aws_timestamp(config["LastModified"])
    if config.get("PackageType", "Zip") == "Zip" and config.get("Runtime"):
        arn = runtime_version_arn(partition, region, config["Runtime"])
        config["RuntimeVersionConfig"] = {"RuntimeVersionArn": arn}
    return config
