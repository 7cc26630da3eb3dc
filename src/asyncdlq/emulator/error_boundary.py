"""The last line between a request and moto: AWS's answer for unsigned and malformed requests,
and an error in the service's own shape (never a bare 500 page) when the emulator fails.

- Unsigned requests get the service's MissingAuthenticationToken (403). ``/_asyncdlq/`` and
  ``/moto-api/`` are unsigned by design (introspection, reset); the request guard decides
  which of them are reachable.
- The request is validated against botocore's model (``request_validation``) before moto parses
  it, so moto never sees what it would crash on.
- An exception from the application is logged with its traceback and answered in the service's
  shape: 400 when the request's bytes are what could not be decoded (the request's fault),
  else 500 InternalFailure/ServiceException (ours; the SDKs retry it as they retry AWS's).

Shapes and texts: docs/aws-behaviour.md, "Request validation and error shapes per protocol".
"""

from __future__ import annotations

import html
import io
import json
import logging
import re
import traceback
import uuid
from collections.abc import Iterable
from typing import Any, Callable

from .error_shapes import (
    AwsError,
    Service,
    internal_failure,
    is_request_id,
    lambda_error_body,
    missing_authentication_token,
    render,
)
from .http import call_app
from .request_validation import identify, is_signed, request_of, validate

log = logging.getLogger(__name__)

UNSIGNED_PREFIXES = ("/_asyncdlq/", "/moto-api/")


class AwsErrorBoundary:
    """WSGI middleware around the emulator's application."""

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self.app = app

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        path = str(environ.get("PATH_INFO", ""))
        if path.startswith(UNSIGNED_PREFIXES):
            return self.app(environ, start_response)
        body = environ["wsgi.input"].read() if environ.get("wsgi.input") else b""
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
        req = request_of(environ, body)
        svc: Service | None = None
        try:
            svc = identify(req)
            if not is_signed(req):
                raise missing_authentication_token(svc)
            if svc is not None:
                validate(svc, req)
        except AwsError as error:
            return _answer(start_response, svc, error)
        except Exception:
            # A validator bug must not refuse a request AWS would take: moto still gets it.
            log.error(
                "request validation failed on %s %s:\n%s",
                req.method,
                path,
                traceback.format_exc(),
            )
        try:
            status, headers, chunks = call_app(self.app, environ)
        except (UnicodeDecodeError, RecursionError, json.JSONDecodeError) as exc:
            log.warning("undecodable request %s %s: %r", req.method, path, exc)
            return _answer(start_response, svc, _undecodable(svc, exc))
        except Exception:
            log.error(
                "EMULATOR BUG on %s %s (answered 500):\n%s",
                req.method,
                path,
                traceback.format_exc(),
            )
            return _answer(start_response, svc, internal_failure(svc))
        if status.startswith("5"):
            log.error("the emulator answered %s to %s %s", status, req.method, path)
        if svc is not None:
            if status[:1] in ("4", "5"):
                headers, chunks = _in_own_shape(svc, status, headers, chunks, path)
            if svc.protocol == "query":
                headers, chunks = _well_formed_xml(headers, chunks)
            headers, chunks = _uuid_request_id(svc, headers, chunks)
            headers = _json_content_type(svc, headers)
        start_response(status, headers)
        return chunks


# Characters XML 1.0 cannot carry, as UTF-8 bytes (the C0 controls but tab, LF and CR).
_NOT_XML_BYTES = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _well_formed_xml(
    headers: list[tuple[str, str]], chunks: list[bytes]
) -> tuple[list[tuple[str, str]], list[bytes]]:
    """moto writes stored strings into its XML as they are, so one control character that a
    request slipped in (an SNS subscription endpoint, say) makes every later listing unparseable
    for every client. AWS's XML always parses; such characters become U+FFFD, as in
    error_shapes."""
    body = b"".join(chunks)
    if not _NOT_XML_BYTES.search(body):
        return headers, chunks
    body = _NOT_XML_BYTES.sub("\ufffd".encode(), body)
    kept = [(k, v) for k, v in headers if k.lower() != "content-length"]
    return [*kept, ("Content-Length", str(len(body)))], [body]


def _answer(
    start_response: Callable[..., Any], svc: Service | None, error: AwsError
) -> Iterable[bytes]:
    status, headers, body = render(svc, error)
    start_response(status, headers)
    return [body]


def _undecodable(svc: Service | None, exc: Exception) -> AwsError:
    """The request's bytes are at fault: the protocol's own parse error."""
    detail = "Maximum nesting depth exceeded" if isinstance(exc, RecursionError) else str(exc)
    if svc is not None and svc.protocol == "rest-json":
        return AwsError(
            "InvalidRequestContentException", f"Could not parse request body into json: {detail}"
        )
    if svc is not None and svc.protocol == "json":
        return AwsError("SerializationException", detail, query_code="InvalidParameterValue")
    return AwsError("MalformedQueryString", detail, 404)


def _in_own_shape(
    svc: Service, status: str, headers: list[tuple[str, str]], chunks: list[bytes], path: str
) -> tuple[list[tuple[str, str]], list[bytes]]:
    """An error answer in ``svc``'s own shape, whoever raised it: moto's Lambda errors get
    Lambda's keys, and an error in another protocol's shape (moto's SNS raising a Lambda error
    while it delivers, say) is translated, never passed on (docs/aws-behaviour.md, Error bodies
    and request ids)."""
    body = b"".join(chunks)
    found = _error_of(headers, body)
    if found is None:
        return headers, chunks
    shape, code, message, document = found
    own = {"rest-json": "json", "json": "json", "query": "xml"}[svc.protocol]
    if shape != own:
        log.warning("a %s error in %s's request %s (%s: %s)", shape, svc.name, path, code, message)
        sender = not status.startswith("5")
        error = AwsError(code, message, int(status[:3]), sender=sender)
        _, rendered_headers, rendered = render(svc, error, _header(headers, "x-amzn-requestid"))
        return rendered_headers, [rendered]
    if svc.protocol == "rest-json" and "__type" in document:
        fields = {k: v for k, v in document.items() if k not in ("__type", "message", "Message")}
        shaped = lambda_error_body(code, message, fields, sender=not status.startswith("5"))
        kept = _without(headers, "content-length", "x-amzn-errortype", "content-type")
        out = json.dumps(shaped).encode()
        return [*kept, ("x-amzn-ErrorType", code), ("Content-Type", "application/json")], [out]
    if svc.protocol == "query" and _MOTO_LOWER_MESSAGE.search(body):
        # moto repeats <Message> as <message>; AWS's query errors carry Type, Code and Message.
        out = _MOTO_LOWER_MESSAGE.sub(b"", body)
        return [*_without(headers, "content-length"), ("Content-Length", str(len(out)))], [out]
    return headers, chunks


_MOTO_LOWER_MESSAGE = re.compile(rb"<message>[^<]*</message>")
_XML_CODE = re.compile(rb"<Code>([^<]*)</Code>")
_XML_MESSAGE = re.compile(rb"<Message>([^<]*)</Message>")


def _error_of(
    headers: list[tuple[str, str]], body: bytes
) -> tuple[str, str, str, dict[str, Any]] | None:
    """(shape, code, message, JSON document) of an error body in JSON or query XML; None if the
    body is neither (an empty 404, an HTML page: left as it is)."""
    text = body.lstrip()
    if text.startswith(b"{"):
        try:
            document = json.loads(body)
        except ValueError:
            return None
        if not isinstance(document, dict):
            return None
        raw = _header(headers, "x-amzn-errortype") or str(document.get("__type", ""))
        code = raw.split(":")[0].split("#")[-1]
        if not code:
            return None
        message = document.get("message", document.get("Message"))
        return "json", code, "" if message is None else str(message), document
    if text.startswith(b"<") and b"<ErrorResponse" in text[:200]:
        code_match, message_match = _XML_CODE.search(body), _XML_MESSAGE.search(body)
        if code_match is None:
            return None
        message = html.unescape(message_match.group(1).decode()) if message_match else ""
        return "xml", html.unescape(code_match.group(1).decode()), message, {}
    return None


def _uuid_request_id(
    svc: Service, headers: list[tuple[str, str]], chunks: list[bytes]
) -> tuple[list[tuple[str, str]], list[bytes]]:
    """Every service here names each answer with a UUID (``x-amzn-RequestId``, and the query
    protocols' ``<RequestId>`` too); moto writes 52 random letters. An id that is already a UUID
    stays: an invocation's request id is the one in its logs and records."""
    current = _header(headers, "x-amzn-requestid")
    if is_request_id(current):
        return headers, chunks
    request_id = str(uuid.uuid4())
    kept = _without(headers, "x-amzn-requestid")
    if svc.protocol == "query" and "xml" in (_header(headers, "content-type") or ""):
        body = _XML_REQUEST_ID.sub(
            b"<RequestId>" + request_id.encode() + b"</RequestId>", b"".join(chunks)
        )
        kept = [*_without(kept, "content-length"), ("Content-Length", str(len(body)))]
        chunks = [body]
    return [*kept, ("x-amzn-RequestId", request_id)], chunks


_XML_REQUEST_ID = re.compile(rb"<RequestId>[^<]*</RequestId>")


def _json_content_type(svc: Service, headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """moto labels its JSON answers ``text/html`` (its Logs errors ``application/json``); AWS's
    JSON services say what they send."""
    current = _header(headers, "content-type") or ""
    if svc.protocol == "json" and current.startswith(("text/html", "application/json")):
        wanted = f"application/x-amz-json-{svc.json_version}"
    elif svc.protocol == "rest-json" and current.startswith("text/html"):
        wanted = "application/json"
    else:
        return headers
    return [*_without(headers, "content-type"), ("Content-Type", wanted)]


def _header(headers: list[tuple[str, str]], name: str) -> str | None:
    return next((v for k, v in headers if k.lower() == name), None)


def _without(headers: list[tuple[str, str]], *names: str) -> list[tuple[str, str]]:
    return [(k, v) for k, v in headers if k.lower() not in names]
