"""Enforce IAM on the emulator's callers: each signed request is authorized against the identity
policies of the IAM user or role session that owns its access key.

Why not moto's own check (``INITIAL_NO_AUTH_ACTION_COUNT``): moto authorizes in
``BaseResponse.call_action`` against "*" except for SQS queues, IAM roles and STS, so resource
scoping by name prefix and region is never tested; the emulator's Lambda responses do not go
through ``call_action``; and its evaluator mismatches lower-case actions and most condition
operators. Here: operation and parameters from the wire (caller_iam_requests.py), IAM action and
resource per operation (caller_iam_actions.py), the decision by iam_eval.py.

Who is enforced: a key moto issued (CreateAccessKey, or an AssumeRole session). Any other key
(the bootstrap ``test`` credentials) acts as the account's administrator, unless ``act_as``
names a user: then such requests are evaluated as that user, so tools that always sign with
``test`` (the harness on TARGET=local) run with exactly that user's policies.

``install(server)`` wraps a running EmulatorServer's app; ``uninstall(server)`` unwraps it.
"""

from __future__ import annotations

import io
import json
import threading
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Callable
from xml.sax.saxutils import escape

from . import moto_iam
from .caller_iam_actions import Need, needs
from .caller_iam_requests import Call, _model, parse
from .iam_eval import Decision, evaluate, parse_policy

DEFAULT_ACCOUNT = "123456789012"  # moto's, for keys it did not issue


@dataclass(frozen=True)
class Decided:
    """One authorization: what was asked, by whom, and the answer (kept for the proof)."""

    principal: str
    operation: str  # "<service>:<Operation>"
    action: str
    resource: str
    allowed: bool
    by: tuple[str, ...]  # Sids of the Allow statements that matched (empty: denied or admin)


class CallerIam:
    """WSGI middleware: refuse what the caller's identity policies do not allow."""

    def __init__(self, app: Callable[..., Iterable[bytes]], act_as: str | None = None) -> None:
        self.app = app
        self.act_as = act_as
        self._lock = threading.Lock()
        self._log: list[Decided] = []

    # -- what happened ------------------------------------------------------------------------

    def decisions(self) -> list[Decided]:
        with self._lock:
            return list(self._log)

    def denials(self) -> list[Decided]:
        return [d for d in self.decisions() if not d.allowed]

    def clear(self) -> None:
        with self._lock:
            self._log.clear()

    # -- WSGI ---------------------------------------------------------------------------------

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        headers = {
            k[5:].replace("_", "-").lower(): str(v)
            for k, v in environ.items()
            if k.startswith("HTTP_")
        }
        if "authorization" not in headers:
            return self.app(environ, start_response)  # runtime API, introspection: unsigned
        headers["content-type"] = str(environ.get("CONTENT_TYPE", ""))
        body = _read_body(environ)
        call = parse(
            str(environ.get("REQUEST_METHOD", "GET")),
            str(environ.get("PATH_INFO", "/")),
            str(environ.get("QUERY_STRING", "")),
            headers,
            body,
        )
        if call is not None:
            refused = self._authorize(call)
            if refused is not None:
                return _deny(call, refused, start_response)
        return self.app(environ, start_response)

    def _identity(self, call: Call) -> tuple[str, str, list[str]] | None:
        found = moto_iam.iam_caller(call.access_key_id)
        if found is None and self.act_as:
            found = moto_iam.iam_user_identity(self.act_as)
        return found

    def _authorize(self, call: Call) -> tuple[str, Need] | None:
        """None if allowed, else (principal ARN, the first need that was denied)."""
        identity = self._identity(call)
        operation = f"{call.service}:{call.operation}"
        if identity is None:
            self._record(Decided("admin", operation, "", "", True, ()))
            return None
        account, principal, documents = identity
        for need in needs(call, account):
            decision = evaluate(documents, need.action, need.resource, need.context)
            allowed = decision is Decision.ALLOW
            by = _allowing_sids(documents, need) if allowed else ()
            self._record(Decided(principal, operation, need.action, need.resource, allowed, by))
            if not allowed:
                return principal, need
        return None

    def _record(self, decided: Decided) -> None:
        with self._lock:
            self._log.append(decided)


def _allowing_sids(documents: list[str], need: Need) -> tuple[str, ...]:
    sids = []
    for document in documents:
        for i, statement in enumerate(_statements(document)):
            single = {"Version": "2012-10-17", "Statement": [statement]}
            if evaluate([single], need.action, need.resource, need.context) is Decision.ALLOW:
                sids.append(str(statement.get("Sid") or f"#{i}"))
    return tuple(sids)


def _statements(document: str) -> list[dict[str, Any]]:
    statements = parse_policy(document).get("Statement", [])
    return [s for s in (statements if isinstance(statements, list) else [statements])]


def _read_body(environ: dict[str, Any]) -> bytes:
    """The request body, put back so the app behind reads it again."""
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    stream = environ.get("wsgi.input")
    if stream is None:
        return b""
    body = stream.read(length) if length else (stream.read() if _terminated(environ) else b"")
    environ["wsgi.input"] = io.BytesIO(body)
    return bytes(body)


def _terminated(environ: dict[str, Any]) -> bool:
    return bool(environ.get("wsgi.input_terminated"))


# -- AccessDenied in each protocol's error shape -----------------------------------------------


def message(principal: str, need: Need) -> str:
    # IAM User Guide, "Troubleshoot access denied error messages": the shape of the message.
    return (
        f"User: {principal} is not authorized to perform: {need.action} on resource: "
        f"{need.resource} because no identity-based policy allows the {need.action} action"
    )


def _deny(call: Call, refused: tuple[str, Need], start_response: Callable[..., Any]) -> list[bytes]:
    principal, need = refused
    text = message(principal, need)
    request_id = str(uuid.uuid4())
    protocol = _model(call.service).protocol
    headers = [("x-amzn-RequestId", request_id)]
    if protocol == "query":
        code = "AuthorizationError" if call.service == "sns" else "AccessDenied"
        body = (
            "<ErrorResponse><Error><Type>Sender</Type>"
            f"<Code>{code}</Code><Message>{escape(text)}</Message></Error>"
            f"<RequestId>{request_id}</RequestId></ErrorResponse>"
        ).encode()
        headers.append(("Content-Type", "text/xml"))
    elif protocol == "rest-xml":
        body = (
            f"<Error><Code>AccessDenied</Code><Message>{escape(text)}</Message>"
            f"<RequestId>{request_id}</RequestId></Error>"
        ).encode()
        headers.append(("Content-Type", "application/xml"))
    else:  # json, rest-json
        code = "AccessDeniedException"
        if call.service == "sqs":
            # SQS's JSON protocol names the query-era code in a header botocore reads.
            headers.append(("x-amzn-query-error", "AccessDenied;Sender"))
        headers += [("x-amzn-ErrorType", code), ("Content-Type", "application/x-amz-json-1.1")]
        body = json.dumps({"__type": code, "message": text, "Message": text}).encode()
    headers.append(("Content-Length", str(len(body))))
    start_response("403 Forbidden", headers)
    return [body]


# -- wiring into a server (server.py keeps its own app chain) ----------------------------------


def install(server: Any, act_as: str | None = None) -> CallerIam:
    """Enforce on ``server`` (an EmulatorServer): wraps the app behind its request guard."""
    guard = server._http.app
    existing = guard.app
    if isinstance(existing, CallerIam):
        existing.act_as = act_as
        return existing
    enforcing = CallerIam(existing, act_as)
    guard.app = enforcing
    return enforcing


def uninstall(server: Any) -> None:
    guard = server._http.app
    if isinstance(guard.app, CallerIam):
        guard.app = guard.app.app
