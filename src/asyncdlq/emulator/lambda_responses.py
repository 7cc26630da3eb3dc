"""Lambda's HTTP surface: moto's responses, with Invoke answering as AWS does
(docs/aws-behaviour.md, The invoke call)."""

from __future__ import annotations

import base64
import uuid
from typing import Any, ClassVar
from urllib.parse import unquote

from .account_settings import AccountSettingsResponse
from .event_invoke_configs import EventInvokeConfigResponse
from .lambda_backend import EmulatedLambdaBackend, LambdaBackends
from .moto_glue import LambdaClientError, LambdaResponse, UnknownOperationGuard
from .request_validation import INVOKE_PARSE_PREFIX, invoke_payload_problem

_REQUEST_ID = "x-amzn-requestid"


class RequestEntityTooLarge(LambdaClientError):
    code = 413

    def __init__(self, size: int, limit: int) -> None:
        super().__init__(
            "RequestEntityTooLargeException",
            f"{size} byte payload is too large for the Event invocation type (limit {limit} bytes)",
        )


class InvalidRequestContent(LambdaClientError):
    def __init__(self, detail: str) -> None:
        # AWS appends its JSON parser's (Jackson's) own description, which differs from Python's;
        # the prefix is AWS's text (aws-sdk-js#1876, alexcasalboni/aws-lambda-power-tuning#148).
        super().__init__("InvalidRequestContentException", INVOKE_PARSE_PREFIX + detail)


def _check_json(payload: bytes) -> None:
    # The error boundary checks first; this keeps in-process callers (moto's own dispatch in
    # tests) to the same rule: UTF-8 JSON only (json.loads of bytes would also take UTF-16/32).
    problem = invoke_payload_problem(payload)  # an empty payload is allowed: the handler gets {}
    if problem:
        raise InvalidRequestContent(problem)


def bind_response(
    backends: LambdaBackends, async_payload_limit: int
) -> type[EmulatedLambdaResponse]:
    """The response class of one emulator: moto instantiates it per request, so what a request
    needs of the emulator is bound to the class. The emulator's own operations (event invoke
    configs per qualifier, account settings, reserved concurrency) and the unknown-operation
    answer come first in the method order."""
    attributes = {"backends": backends, "async_payload_limit": async_payload_limit}
    bases = (UnknownOperationGuard, EventInvokeConfigResponse, AccountSettingsResponse)
    return type("BoundLambdaResponse", (*bases, EmulatedLambdaResponse), attributes)


class EmulatedLambdaResponse(LambdaResponse):
    backends: ClassVar[LambdaBackends]
    async_payload_limit: ClassVar[int]

    @property
    def backend(self) -> EmulatedLambdaBackend:  # type: ignore[override]
        return self.backends.backend(self.current_account, self.region)

    def invoke(self) -> tuple[int, dict[str, str], str | bytes]:  # type: ignore[override]
        function_name = unquote(self.path.rsplit("/", 2)[-2])
        qualifier = self.querystring.get("Qualifier", [None])[0]
        invocation_type = self.headers.get("X-Amz-Invocation-Type", "RequestResponse")
        payload: bytes = self.raw_body or b""
        if isinstance(payload, str):
            payload = payload.encode("utf-8")
        fn = self.backend.find_function(function_name, qualifier)
        _check_json(payload)
        # The handler's context.invoked_function_arn is the ARN as the caller named it.
        invoked_arn = self.backend.invoked_arn(function_name, qualifier)

        if invocation_type == "DryRun":
            return 204, {"status": "204"}, ""
        if invocation_type == "Event":
            limit = self.async_payload_limit
            if len(payload) > limit:
                raise RequestEntityTooLarge(len(payload), limit)
            request_id = self.backend.invoke_async(fn, qualifier, payload, invoked_arn)
            # The 202's request ID is the invocation's: the one in the logs and the DLQ message.
            return 202, {"status": "202", _REQUEST_ID: request_id}, ""

        result = self.backend.invoke_sync(fn, payload, str(uuid.uuid4()), invoked_arn)
        headers = {
            "status": "200",
            _REQUEST_ID: result.request_id,
            "X-Amz-Executed-Version": str(fn.version),
            "Content-Type": "application/json",
        }
        if not result.ok:
            # Python runtime errors, timeouts and crashes are all "Unhandled"
            # (docs/aws-behaviour.md, The invoke call).
            headers["X-Amz-Function-Error"] = "Unhandled"
        if self.headers.get("X-Amz-Log-Type") == "Tail":
            # docs/aws-behaviour.md, Invoke responses and log tails.
            headers["X-Amz-Log-Result"] = base64.b64encode(result.log_tail).decode()
        return 200, headers, result.payload

    @staticmethod
    def _enrich_response(headers: dict[str, str], body: Any) -> tuple[dict[str, str], Any]:  # type: ignore[override]
        # moto stamps a random request ID on every response; an invocation keeps its own.
        request_id = headers.get(_REQUEST_ID)
        headers, body = LambdaResponse._enrich_response(headers, body)
        if request_id:
            headers[_REQUEST_ID] = request_id
        return headers, body
