"""What Lambda refuses in a function's code and environment at Create/Update time, with AWS's
texts (docs/aws-behaviour.md, "Limits: payloads, responses, environment variables, code").

Refusing them here is what keeps a bad function from being accepted and then failing every
attempt of every event sent to it.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Mapping

from .moto_glue import InvalidParameterValueException

NOT_A_ZIP = "Could not unzip uploaded file. Please check your file, then try to upload again."
RESERVED_KEYS = (
    "Lambda was unable to configure your environment variables because the environment "
    "variables you have provided contains reserved keys that are currently not supported for "
    "modification. Reserved keys used in this request: {keys}"
)
# The runtime's own variables (AWS's "Defined runtime environment variables"). TZ is listed
# there too, but functions set it on AWS to change their time zone; it is left settable.
RESERVED_ENVIRONMENT_KEYS = frozenset(
    {
        "_HANDLER",
        "_X_AMZN_TRACE_ID",
        "AWS_DEFAULT_REGION",
        "AWS_REGION",
        "AWS_EXECUTION_ENV",
        "AWS_LAMBDA_FUNCTION_NAME",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
        "AWS_LAMBDA_FUNCTION_VERSION",
        "AWS_LAMBDA_INITIALIZATION_TYPE",
        "AWS_LAMBDA_LOG_GROUP_NAME",
        "AWS_LAMBDA_LOG_STREAM_NAME",
        "AWS_ACCESS_KEY",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_LAMBDA_RUNTIME_API",
        "LAMBDA_TASK_ROOT",
        "LAMBDA_RUNTIME_DIR",
    }
)


def check_zip(code: bytes) -> None:
    """A deployment package must be a zip archive whose directory can be read."""
    try:
        with zipfile.ZipFile(io.BytesIO(code)) as archive:
            archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError, OSError):
        raise InvalidParameterValueException(NOT_A_ZIP) from None


def check_environment(variables: Mapping[str, str] | None) -> None:
    """Refuse the runtime's reserved keys, named in the order the request gave them."""
    reserved = [key for key in variables or {} if key in RESERVED_ENVIRONMENT_KEYS]
    if reserved:
        raise InvalidParameterValueException(RESERVED_KEYS.format(keys=", ".join(reserved)))
