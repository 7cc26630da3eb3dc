"""GetAccountSettings and the account-wide rule on reserved concurrency, with AWS's default
quotas (docs/aws-behaviour.md, Event invoke config, regions and names).

A region's functions share its concurrency: what is reserved for some is not available to the
others, and Lambda keeps at least ``MINIMUM_UNRESERVED`` for the functions without a
reservation. The emulator has no quota of its own, so it answers with AWS's defaults.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import unquote

from .moto_glue import (
    InvalidParameterValueException,
    LambdaBackend,
    lambda_reserved_concurrency,
    lambda_storage_usage,
)

# https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html (default quotas)
CONCURRENT_EXECUTIONS = 1000
TOTAL_CODE_SIZE = 75 * 1024**3  # 75 GB of stored code: 80530636800
CODE_SIZE_ZIPPED = 50 * 1024**2  # a package uploaded directly: 52428800
CODE_SIZE_UNZIPPED = 250 * 1024**2  # a package and its layers extracted: 262144000
# https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html: "You can reserve
# up to the Unreserved account concurrency value that is shown, minus 100".
MINIMUM_UNRESERVED = 100

QUALIFIED = (
    "This operation is permitted on Lambda functions only. Aliases and versions do not support "
    "this operation. Please specify either a function name or an unqualified function ARN."
)
BELOW_MINIMUM = (
    "Specified ReservedConcurrentExecutions for function decreases account's "
    "UnreservedConcurrentExecution below its minimum value of [{minimum}]."
)


def account_settings(backend: LambdaBackend) -> dict[str, Any]:
    """GetAccountSettings of the backend's account and region."""
    count, stored = lambda_storage_usage(backend)
    reserved = sum(lambda_reserved_concurrency(backend).values())
    return {
        "AccountLimit": {
            "TotalCodeSize": TOTAL_CODE_SIZE,
            "CodeSizeUnzipped": CODE_SIZE_UNZIPPED,
            "CodeSizeZipped": CODE_SIZE_ZIPPED,
            "ConcurrentExecutions": CONCURRENT_EXECUTIONS,
            "UnreservedConcurrentExecutions": CONCURRENT_EXECUTIONS - reserved,
        },
        "AccountUsage": {"TotalCodeSize": stored, "FunctionCount": count},
    }


def check_reservation(backend: LambdaBackend, function_name: str, reserved: int) -> None:
    """PutFunctionConcurrency's rules: an unqualified function, and enough left unreserved."""
    resource = function_name.split(":function:")[-1] if ":" in function_name else function_name
    if ":" in resource:
        raise InvalidParameterValueException(QUALIFIED)
    others = {k: v for k, v in lambda_reserved_concurrency(backend).items() if k != resource}
    if CONCURRENT_EXECUTIONS - sum(others.values()) - reserved < MINIMUM_UNRESERVED:
        raise InvalidParameterValueException(BELOW_MINIMUM.format(minimum=MINIMUM_UNRESERVED))


class AccountSettingsResponse:
    """GetAccountSettings (no moto route) and PutFunctionConcurrency with AWS's checks."""

    # Supplied by moto's LambdaResponse and the emulator's response class.
    path: str
    body: Any
    backend: Any

    def get_account_settings(self) -> tuple[int, dict[str, str], str]:
        return 200, {}, json.dumps(account_settings(self.backend))

    def put_function_concurrency(self) -> tuple[int, dict[str, str], str]:
        function_name = unquote(self.path.split("/functions/", 1)[1].split("/", 1)[0])
        reserved = int(json.loads(self.body or "{}")["ReservedConcurrentExecutions"])
        check_reservation(self.backend, function_name, reserved)
        fn = self.backend.find_function(function_name, None)  # AWS names $LATEST if missing
        fn.reserved_concurrency = reserved
        return 200, {}, json.dumps({"ReservedConcurrentExecutions": reserved})
