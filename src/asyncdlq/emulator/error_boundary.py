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

import io
import json
import logging
import re
import traceback
from collections.abc import Iterable
from typing import Any, Callable

from .error_shapes import AwsError, Service, internal_failure, missing_authentication_token, render
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
        elif status.startswith("4") and svc is not None and svc.protocol == "rest-json":
            headers, chunks = _lambda_error_shape(headers, chunks)
        if svc is not None and svc.protocol == "query":
            headers, chunks = _well_formed_xml(headers, chunks)
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


def _lambda_error_shape(
    headers: list[tuple[str, str]], chunks: list[bytes]
) -> tuple[list[tuple[str, str]], list[bytes]]:
    """moto's Lambda errors as Lambda sends them: ``x-amzn-ErrorType`` and ``Type: "User"``."""
    try:
        document = json.loads(b"".join(chunks))
    except ValueError:
        return headers, chunks
    if not isinstance(document, dict) or "__type" not in document:
        return headers, chunks
    code = str(document.pop("__type")).split("#")[-1]
    body = {"Type": "User", **document}
    kept = [(k, v) for k, v in headers if k.lower() not in ("content-length", "x-amzn-errortype")]
    return [*kept, ("x-amzn-ErrorType", code)], [json.dumps(body).encode()]
