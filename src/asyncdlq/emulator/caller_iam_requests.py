"""Which AWS operation an HTTP request is, and its parameters (for caller_iam.py).

The operation comes from the SigV4 credential scope (the service) and the wire protocol of
botocore's service model: ``X-Amz-Target`` for JSON services, ``Action=`` for query services,
and method + URI template for REST services (Lambda, S3), so no operation table is kept here.
Only path-style S3 addressing is read (what SDKs use against an IP-literal endpoint).
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, unquote

import botocore.session

_SCOPE = re.compile(r"Credential=([^/,\s]+)/\d{8}/([^/]+)/([^/]+)/aws4_request")
# SigV4 signing names that differ from botocore's service names.
_SERVICE_OF_SIGNING_NAME = {"execute-api": "apigateway"}


@dataclass(frozen=True)
class Call:
    """One signed AWS request: who sent it and what it asks for."""

    service: str  # botocore's name: "lambda", "sqs", "logs", "s3", ...
    operation: str  # botocore's operation name: "CreateFunction", "SendMessage", ...
    region: str
    access_key_id: str
    params: dict[str, Any] = field(default_factory=dict)


@functools.lru_cache(maxsize=32)
def _model(service: str) -> Any:
    return botocore.session.get_session().get_service_model(service)


@dataclass(frozen=True)
class _Route:
    operation: str
    method: str
    path: re.Pattern[str]
    query: tuple[tuple[str, str | None], ...]  # required keys (and value, if the URI fixes one)
    score: int  # more literal text = more specific


def _route(operation: str, method: str, uri: str) -> _Route:
    path, _, query = uri.partition("?")
    literal = 0
    pattern = ""
    for piece in re.split(r"(\{[^}]+\})", path):
        if piece.startswith("{"):
            name = piece[1:-1]
            greedy = name.endswith("+")
            name = re.sub(r"\W", "_", name.rstrip("+"))
            pattern += f"(?P<{name}>.+)" if greedy else f"(?P<{name}>[^/]+)"
        else:
            pattern += re.escape(piece)
            literal += len(piece)
    required = []
    for part in filter(None, query.split("&")):
        key, eq, value = part.partition("=")
        if key != "x-id":  # botocore's operation hint on S3 URIs; other clients leave it off
            required.append((key, value if eq else None))
    # An empty path pattern ("/") must also match a trailing slash left off.
    regex = re.compile(pattern.rstrip("/") + "/?")
    return _Route(operation, method, regex, tuple(required), literal + 100 * len(required))


@functools.lru_cache(maxsize=32)
def _routes(service: str) -> tuple[_Route, ...]:
    model = _model(service)
    routes = []
    for name in model.operation_names:
        http = model.operation_model(name).http
        routes.append(_route(name, http["method"], http["requestUri"]))
    return tuple(sorted(routes, key=lambda r: -r.score))


def _match_rest(
    service: str, method: str, path: str, query: dict[str, str]
) -> tuple[str, dict[str, str]] | None:
    for route in _routes(service):
        if route.method != method:
            continue
        matched = route.path.fullmatch(path)
        if not matched:
            continue
        if all(k in query and (v is None or query[k] == v) for k, v in route.query):
            return route.operation, {k: unquote(v) for k, v in matched.groupdict().items()}
    return None


def signer(headers: dict[str, str]) -> tuple[str, str, str] | None:
    """(access key id, region, signing service) of a SigV4 request; None if it is unsigned."""
    found = _SCOPE.search(headers.get("authorization", ""))
    if not found:
        return None
    return found.group(1), found.group(2), found.group(3)


def _service(signing_name: str) -> str | None:
    name = _SERVICE_OF_SIGNING_NAME.get(signing_name, signing_name)
    try:
        _model(name)
    except Exception:  # botocore's UnknownServiceError and its data errors: not ours to check
        return None
    return name


def parse(
    method: str, path: str, query_string: str, headers: dict[str, str], body: bytes
) -> Call | None:
    """The operation a request asks for; None if it is unsigned or of a service botocore lacks.

    ``headers`` have lower-case names."""
    scope = signer(headers)
    if scope is None:
        return None
    access_key, region, signing_name = scope
    service = _service(signing_name)
    if service is None:
        return None
    query = dict(parse_qsl(query_string, keep_blank_values=True))
    target = headers.get("x-amz-target", "")
    params: dict[str, Any] = dict(query)
    operation: str | None = None
    if target:
        operation = target.rsplit(".", 1)[-1]
        params.update(_json(body))
    elif "Action" in query or _is_form(headers):
        form = dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
        params.update(form)
        operation = params.get("Action")
    elif _model(service).protocol in ("rest-json", "rest-xml"):
        matched = _match_rest(service, method, path, query)
        if matched:
            operation, from_path = matched
            if query.get("x-id") in _model(service).operation_names:
                operation = query["x-id"]  # S3 names the operation where URIs are shared
            elif operation == "CopyObject" and "x-amz-copy-source" not in headers:
                operation = "PutObject"  # the same URI; only the header tells them apart
            params.update(_json(body) if _model(service).protocol == "rest-json" else {})
            params.update(from_path)
    if not operation:
        return None
    return Call(service, str(operation), region, access_key, params)


def _is_form(headers: dict[str, str]) -> bool:
    return headers.get("content-type", "").startswith("application/x-www-form-urlencoded")


def _json(body: bytes) -> dict[str, Any]:
    try:
        parsed = json.loads(body or b"{}")
    except ValueError:
        return {}
    return parsed if isinstance(parsed, dict) else {}
