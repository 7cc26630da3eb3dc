"""An AWS error rendered the way each protocol's service sends it, so SDKs parse it and do not
retry a client error as if it were a server fault.

Shapes (docs/aws-behaviour.md, "Request validation and error shapes per protocol"):
- rest-json (Lambda): ``x-amzn-ErrorType: <Code>`` header and a JSON body with exactly the
  members botocore's Lambda model gives the code's exception shape: ``Type`` and ``Message`` or
  ``message`` (its spelling differs per code), plus e.g. ``Reason``; a code the model does not
  name (ValidationException, the front door's errors) is ``{"message": ...}`` alone
  (docs/aws-behaviour.md, Error bodies and request ids);
- json 1.0/1.1 (SQS, CloudWatch Logs, EventBridge): ``{"__type": ..., "message": ...}``; SQS is
  query-compatible and also names the query-protocol code in ``x-amzn-query-error``;
- query (IAM, STS, SNS and SQS's older clients): ``<ErrorResponse><Error><Type>Sender</Type>
  <Code>..</Code><Message>..</Message></Error><RequestId>..</RequestId></ErrorResponse>``.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import re
import uuid
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any
from xml.sax.saxutils import escape

import botocore.session
from botocore.model import ServiceModel

# Services whose requests are validated and whose errors are shaped here: the ones the module,
# Terraform and the harness call. Keys are credential-scope signing names.
SIGNING_NAMES = {
    "lambda": "lambda",
    "sqs": "sqs",
    "iam": "iam",
    "sts": "sts",
    "sns": "sns",
    "logs": "logs",
    "events": "events",
}


# SQS's model is JSON now; older clients still speak its query protocol, in this namespace.
_QUERY_NAMESPACES = {"sqs": "http://queue.amazonaws.com/doc/2012-11-05/"}


@dataclass(frozen=True)
class Service:
    """How one AWS service speaks on the wire, read from botocore's model."""

    name: str  # botocore's service name
    protocol: str  # "rest-json" | "json" | "query"
    model: ServiceModel

    @property
    def target_prefix(self) -> str:
        return str(self.model.metadata.get("targetPrefix", ""))

    @property
    def query_compatible(self) -> bool:
        return "awsQueryCompatible" in self.model.metadata

    @property
    def xml_namespace(self) -> str:
        return str(self.model.metadata.get("xmlNamespace", "")) or _QUERY_NAMESPACES.get(
            self.name, ""
        )

    def over_query(self) -> Service:
        """The service as a client of its query protocol sees it (SQS before JSON)."""
        return dataclasses.replace(self, protocol="query")

    @property
    def json_version(self) -> str:
        return str(self.model.metadata.get("jsonVersion", "1.0"))


@functools.cache
def service(name: str) -> Service:
    """The service by botocore name (models are immutable data, so the cache never goes stale)."""
    model = botocore.session.get_session().get_service_model(name)
    return Service(name, str(model.metadata["protocol"]), model)


class AwsError(Exception):
    """A client error answered in the protocol's shape; ``query_code`` is the query-protocol code
    a query-compatible JSON service (SQS) names in ``x-amzn-query-error``."""

    def __init__(
        self,
        code: str,
        message: str,
        status: int = 400,
        *,
        query_code: str | None = None,
        sender: bool = True,
        typed: bool = True,
    ) -> None:
        super().__init__(f"{code}: {message}")
        self.code, self.message, self.status = code, message, status
        self.query_code = query_code
        self.sender = sender
        self.typed = typed  # kept for callers; a rest-json body follows lambda_error_body


def _status_line(status: int) -> str:
    try:
        return f"{status} {HTTPStatus(status).phrase}"
    except ValueError:
        return f"{status} Error"


def render(
    svc: Service | None, error: AwsError, request_id: str | None = None
) -> tuple[str, list[tuple[str, str]], bytes]:
    """Status line, headers and body of ``error`` as ``svc`` sends it (query XML if unknown)."""
    request_id = request_id or str(uuid.uuid4())
    protocol = svc.protocol if svc else "query"
    headers = [("x-amzn-RequestId", request_id)]
    if protocol == "rest-json":
        body: dict[str, Any] = lambda_error_body(error.code, error.message, sender=error.sender)
        headers += [("x-amzn-ErrorType", error.code), ("Content-Type", "application/json")]
        return _status_line(error.status), headers, json.dumps(body).encode()
    if protocol == "json" and svc is not None:
        headers.append(("Content-Type", f"application/x-amz-json-{svc.json_version}"))
        if svc.query_compatible:
            fault = "Sender" if error.sender else "Receiver"
            headers.append(("x-amzn-query-error", f"{error.query_code or error.code};{fault}"))
        body = {"__type": error.code, "message": error.message}
        return _status_line(error.status), headers, json.dumps(body).encode()
    namespace = f' xmlns="{_xml(svc.xml_namespace)}"' if svc and svc.xml_namespace else ""
    code = error.query_code or error.code
    xml = (
        f"<ErrorResponse{namespace}><Error><Type>{'Sender' if error.sender else 'Receiver'}</Type>"
        f"<Code>{_xml(code)}</Code><Message>{_xml(error.message)}</Message></Error>"
        f"<RequestId>{_xml(request_id)}</RequestId></ErrorResponse>"
    )
    headers.append(("Content-Type", "text/xml"))
    return _status_line(error.status), headers, xml.encode()


@functools.cache
def _lambda_error_members(code: str) -> tuple[str, ...] | None:
    """The body members of Lambda's exception ``code`` as its model names them (wire names),
    None if the model has no such exception (Coral's own errors: ValidationException ...)."""
    model = service("lambda").model
    for shape in model.error_shapes:
        if shape.error_code == code:
            return tuple(
                member.serialization.get("name", name)
                for name, member in shape.members.items()
                if member.serialization.get("location") is None  # a header, not in the body
            )
    return None


def lambda_error_body(
    code: str, message: str, fields: dict[str, Any] | None = None, *, sender: bool = True
) -> dict[str, Any]:
    """The JSON body Lambda sends for ``code``: AWS's keys and no others (docs/aws-behaviour.md,
    Error bodies and request ids). ``fields`` are further members (``Reason``); a key the code's
    shape does not have is dropped, as Lambda would never send it."""
    members = _lambda_error_members(code)
    if members is None:
        return {"message": message}
    body: dict[str, Any] = {}
    if "Type" in members:
        body["Type"] = "User" if sender else "Service"
    body["Message" if "Message" in members else "message"] = message
    for key, value in (fields or {}).items():
        if key in members and key not in ("Type", "Message", "message"):
            body[key] = value
    return body


def is_request_id(value: str | None) -> bool:
    """Whether ``value`` is a request id as AWS writes them: a UUID in lower-case 8-4-4-4-12 form."""
    return bool(value) and _REQUEST_ID.fullmatch(str(value)) is not None


_REQUEST_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


# Characters XML 1.0 cannot carry at all, not even as references: a message quoting the
# request's value must still be a document the SDK can parse.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _xml(text: str) -> str:
    return escape(_NOT_XML.sub("\ufffd", text))


# -- the errors every service shares (AWS's common errors) -------------------------------------


def missing_authentication_token(svc: Service | None) -> AwsError:
    if svc is not None and svc.protocol in ("rest-json", "json"):
        return AwsError(
            "MissingAuthenticationTokenException",
            "Missing Authentication Token",
            403,
            query_code="MissingAuthenticationToken",
            typed=False,  # the front door answers it, not the Lambda API (aws/chalice#12)
        )
    return AwsError("MissingAuthenticationToken", "Request is missing Authentication Token", 403)


def internal_failure(svc: Service | None) -> AwsError:
    """What a service answers for its own fault; the SDKs retry it, as they retry AWS's."""
    code = (
        "ServiceException" if svc is not None and svc.protocol == "rest-json" else "InternalFailure"
    )
    return AwsError(
        code,
        "The server encountered an internal error; see the emulator's log.",
        500,
        query_code="InternalFailure",
        sender=False,
    )
