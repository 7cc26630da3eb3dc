"""What an execution environment needs to know about a function, and what one attempt produced."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class FunctionSpec:
    """A snapshot of a function's code and configuration, taken when an attempt starts.

    Taking it per attempt is what makes events queued before an update run with the new code.
    """

    account_id: str
    region: str
    function_name: str
    function_arn: str
    version: str
    handler: str
    runtime: str
    memory_mb: int
    timeout_s: float
    environment: tuple[tuple[str, str], ...]
    code_sha256: str
    code_zip: bytes = field(repr=False, compare=False)
    log_group_name: str = ""  # LoggingConfig.LogGroup; empty means Lambda's default
    # The ARN the caller invoked, as the handler's context.invoked_function_arn shows it: bare
    # when the caller gave a bare name (docs/aws-behaviour.md, Function configuration and
    # states). Not part of the environment: one warm environment serves every form.
    invoked_arn: str = field(default="", compare=False)
    # The execution role, for what Lambda does with it outside the handler (re-creating a
    # deleted log group); a new role needs no new environment.
    role_arn: str = field(default="", compare=False)

    @property
    def log_group(self) -> str:
        return self.log_group_name or f"/aws/lambda/{self.function_name}"

    @property
    def qualified_arn(self) -> str:
        return f"{self.function_arn}:{self.version}"

    @property
    def invoked_function_arn(self) -> str:
        """What the invoke request named; the unqualified ARN when no request says."""
        return self.invoked_arn or self.function_arn

    @property
    def environment_key(self) -> str:
        """Identifies one execution environment generation: any change means new workers."""
        parts = [
            self.function_arn,
            self.version,
            self.code_sha256,
            self.handler,
            self.runtime,
            self.memory_mb,
            self.timeout_s,
            self.environment,
        ]
        return hashlib.sha256(json.dumps(parts, default=str).encode()).hexdigest()[:16]


@dataclass
class AttemptResult:
    """One run of the handler: its outcome as AWS reports it, and its timings."""

    request_id: str
    ok: bool
    payload: bytes  # the response payload, or the error payload exactly as AWS serializes it
    error: dict[str, Any] | None
    log_stream: str
    started_at: float
    ended_at: float
    duration_ms: float
    cold_start: bool
    init_ms: float | None = None
    max_memory_mb: int = 0
    timed_out: bool = False
    # The end of what this attempt logged, START to REPORT, as Invoke's X-Amz-Log-Result carries
    # it (docs/aws-behaviour.md, Invoke responses and log tails); the CloudWatch stream keeps all.
    log_tail: bytes = field(default=b"", repr=False)

    @property
    def error_type(self) -> str | None:
        return None if self.error is None else self.error.get("errorType")

    @property
    def error_message(self) -> str | None:
        return None if self.error is None else self.error.get("errorMessage")
