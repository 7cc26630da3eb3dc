"""The AWS CLI v1 plugin that `make env` (TARGET=local) configures: `aws sqs` then uses the
emulator's endpoint (AWS_ENDPOINT_URL) like every other command (docs/aws-behaviour.md, AWS CLI v1
and the SQS endpoint). Loaded by the CLI from the ``[plugins]`` section of the config file
shell_env.py writes; imports nothing of the package but this file.
"""

from __future__ import annotations

import os
from typing import Any


def awscli_initialize(cli: Any) -> None:
    """AWS CLI v1 plugin entry point (``[plugins]`` in its config file): `aws sqs` uses the
    configured endpoint (AWS_ENDPOINT_URL) like every other service.

    AWS CLI v1 replaces a missing --endpoint-url for SQS with queue.amazonaws.com (its
    overridesslcommonname customization) before botocore would read AWS_ENDPOINT_URL; after the
    operation's arguments are parsed, this undoes that replacement, and only that."""
    cli.register("operation-args-parsed.sqs", _use_configured_sqs_endpoint)


def _use_configured_sqs_endpoint(parsed_globals: Any, **kwargs: Any) -> None:
    configured = os.environ.get("AWS_ENDPOINT_URL_SQS") or os.environ.get("AWS_ENDPOINT_URL")
    ignored = os.environ.get("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "").lower() == "true"
    if not configured or ignored:
        return
    from awscli.customizations.overridesslcommonname import SSL_COMMON_NAMES

    replaced = {f"https://{host}" for host in SSL_COMMON_NAMES.get("sqs", {}).values()}
    if getattr(parsed_globals, "endpoint_url", None) in replaced:
        # None: botocore then resolves the configured endpoint as for any other service.
        parsed_globals.endpoint_url = None
