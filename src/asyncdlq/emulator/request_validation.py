"""A request checked against botocore's model of its service before moto sees it: the operation
exists, the body parses, members have their modelled types, required members are there and (for
Lambda, which answers them itself) values meet their length, range, pattern and enum constraints.

moto trusts its input and answers a 500 for most of what fails here; AWS answers the service's
own 4xx. Codes and texts: docs/aws-behaviour.md, "Request validation and error shapes per
protocol".
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, unquote

from botocore.model import OperationModel

from .error_shapes import SIGNING_NAMES, AwsError, Service, service
from .shape_checks import (
    camel,
    check_constraints,
    check_structure,
    coerce_scalar,
    scalar_ok,
    serialization,
)
from .validation import function_name_problem, validation_message

INVOKE_PARSE_PREFIX = "Could not parse request body into json: "
SNS_PUBLISH_NO_TARGET = (
    "Invalid parameter: TopicArn or TargetArn Reason: no value for required parameter"
)
_SNS_PUBLISH_TARGETS = {"TopicArn", "TargetArn", "PhoneNumber"}
_SQS_INTEGER_ATTRIBUTES = {
    "DelaySeconds",
    "MaximumMessageSize",
    "MessageRetentionPeriod",
    "ReceiveMessageWaitTimeSeconds",
    "VisibilityTimeout",
    "KmsDataKeyReusePeriodSeconds",
}
_SNS_ARN_PROTOCOLS = {"sqs": "SQS", "lambda": "Lambda", "firehose": "Firehose"}


@dataclass
class Request:
    method: str
    path: str  # still percent-encoded
    query: dict[str, list[str]]
    headers: Mapping[str, str]  # lower-case names
    body: bytes


def request_of(environ: Mapping[str, Any], body: bytes) -> Request:
    headers = {
        key[5:].replace("_", "-").lower(): str(value)
        for key, value in environ.items()
        if key.startswith("HTTP_")
    }
    if environ.get("CONTENT_TYPE"):
        headers["content-type"] = str(environ["CONTENT_TYPE"])
    query = parse_qs(str(environ.get("QUERY_STRING", "")), keep_blank_values=True)
    path = str(environ.get("RAW_URI") or environ.get("PATH_INFO", "")).split("?", 1)[0]
    return Request(str(environ.get("REQUEST_METHOD", "GET")), path, query, headers, body)


# -- which service and operation ---------------------------------------------------------------


def is_signed(req: Request) -> bool:
    return bool(req.headers.get("authorization")) or "X-Amz-Signature" in req.query


def _signing_region(req: Request) -> str | None:
    """The region of the request's credential scope: the endpoint's region."""
    match = re.search(
        r"Credential=[^/,\s]*/[^/]*/([^/,\s]+)/", req.headers.get("authorization", "")
    )
    if match:
        return match.group(1)
    credential = (req.query.get("X-Amz-Credential") or [""])[0].split("/")
    return credential[2] if len(credential) >= 5 else None


def _signing_name(req: Request) -> str | None:
    match = re.search(
        r"Credential=[^/,\s]*/[^/]*/[^/]*/([^/,\s]+)/", req.headers.get("authorization", "")
    )
    if match:
        return match.group(1)
    credential = (req.query.get("X-Amz-Credential") or [""])[0].split("/")
    return credential[3] if len(credential) >= 5 else None


@functools.cache
def _lambda_path_prefixes() -> frozenset[str]:
    model = service("lambda").model
    return frozenset(
        model.operation_model(op).http["requestUri"].split("/")[1] for op in model.operation_names
    )


def identify(req: Request) -> Service | None:
    """The service a request is for, as the protocol the request speaks (SQS: JSON or query)."""
    svc = _identify(req)
    if svc is not None and svc.protocol == "json" and not _speaks_json(req):
        return svc.over_query()
    return svc


def _speaks_json(req: Request) -> bool:
    return bool(req.headers.get("x-amz-target")) or "json" in req.headers.get("content-type", "")


def _identify(req: Request) -> Service | None:
    """The service the way moto's dispatcher finds it: the credential scope of a signed request,
    else the X-Amz-Target prefix, the path, or the query Action."""
    name = _signing_name(req)
    if name is not None:
        return service(SIGNING_NAMES[name]) if name in SIGNING_NAMES else None
    target = req.headers.get("x-amz-target", "").split(".", 1)[0]
    for candidate in SIGNING_NAMES.values():
        svc = service(candidate)
        if target and svc.target_prefix == target:
            return svc
    if req.path.split("/")[1:2] and req.path.split("/")[1] in _lambda_path_prefixes():
        return service("lambda")
    action = _query_params(req).get("Action", [""])[0] if not target else ""
    for candidate in ("sqs", "sns", "iam", "sts"):
        if action in service(candidate).model.operation_names:
            return service(candidate)
    return None


def _query_params(req: Request) -> dict[str, list[str]]:
    params = {k: list(v) for k, v in req.query.items()}
    if req.body and "x-www-form-urlencoded" in req.headers.get("content-type", ""):
        try:
            text = req.body.decode("utf-8")
        except UnicodeDecodeError:
            raise AwsError(
                "MalformedQueryString", "The query string is not valid UTF-8.", 404
            ) from None
        for key, values in parse_qs(text, keep_blank_values=True).items():
            params.setdefault(key, []).extend(values)
    return params


def _rest_operation(svc: Service, req: Request) -> tuple[OperationModel, dict[str, str]] | None:
    best: tuple[int, OperationModel, dict[str, str]] | None = None
    for name in svc.model.operation_names:
        op = svc.model.operation_model(name)
        if op.http.get("method") != req.method:
            continue
        matched = _uri_regex(op.http["requestUri"].split("?", 1)[0]).fullmatch(req.path)
        if matched:
            literal = len(re.sub(r"\{[^}]+\}", "", op.http["requestUri"]))
            if best is None or literal > best[0]:
                best = (literal, op, {k: unquote(v) for k, v in matched.groupdict().items()})
    return (best[1], best[2]) if best else None


@functools.lru_cache(maxsize=512)
def _uri_regex(template: str) -> re.Pattern[str]:
    pattern = ""
    for part in re.split(r"(\{[^}]+\})", template):
        if part.startswith("{"):
            name = part[1:-1]
            greedy = name.endswith("+")
            pattern += f"(?P<{name.rstrip('+')}>{'.+' if greedy else '[^/]+'})"
        else:
            pattern += re.escape(part)
    return re.compile(pattern + "/?")


# -- the checks ----------------------------------------------------------------------------------


def validate(svc: Service, req: Request) -> None:
    """Raise the AwsError the service would answer for this request, if any."""
    if req.headers.get("content-encoding", "").lower() == "gzip":
        return  # compressed bodies (CloudWatch's PutMetricData) are left to moto
    if svc.protocol == "rest-json":
        _validate_rest_json(svc, req)
    elif svc.protocol == "json":
        _validate_json(svc, req)
    else:
        _validate_query(svc, req)


def _validate_rest_json(svc: Service, req: Request) -> None:
    found = _rest_operation(svc, req)
    if found is None:
        raise AwsError("UnknownOperationException", "Unknown operation", 404)
    op, uri = found
    shape = op.input_shape
    if shape is None:
        return
    values: dict[str, Any] = {}
    payload_member = shape.serialization.get("payload")
    for name, member in shape.members.items():
        location = member.serialization.get("location")
        wire = member.serialization.get("name", name)
        if location == "uri":
            values[name] = uri.get(wire)
        elif location == "querystring" and wire in req.query:
            values[name] = coerce_scalar(member, req.query[wire][0])
        elif location == "header" and wire.lower() in req.headers:
            values[name] = coerce_scalar(member, req.headers[wire.lower()])
    if payload_member:
        if op.name == "Invoke":
            problem = invoke_payload_problem(req.body)
            if problem:
                raise AwsError("InvalidRequestContentException", INVOKE_PARSE_PREFIX + problem)
        values[payload_member] = req.body or None
    elif req.body.strip():
        body = _parse_json(req.body, "InvalidRequestContentException", INVOKE_PARSE_PREFIX)
        if not isinstance(body, dict):
            raise serialization(body, shape.name)
        values.update({k: v for k, v in body.items() if k in shape.members})
    errors: list[tuple[Any, str, str]] = []
    check_structure(shape, values, "", errors, constraints=True, skip_blob=bool(payload_member))
    if errors:
        raise AwsError("ValidationException", validation_message(errors))
    problem = function_name_problem(op.name, values, _signing_region(req))
    if problem:
        raise AwsError(problem[0], problem[1], problem[2])


def _validate_json(svc: Service, req: Request) -> None:
    prefix, _, name = req.headers.get("x-amz-target", "").partition(".")
    if prefix != svc.target_prefix or name not in svc.model.operation_names:
        raise AwsError(
            "UnknownOperationException",
            f"The operation {name or '(none)'} is not recognized",
            query_code="InvalidAction",
        )
    shape = svc.model.operation_model(name).input_shape
    body = _parse_json(req.body or b"{}", "SerializationException", "")
    if not isinstance(body, dict):
        raise serialization(body, shape.name if shape else "Structure")
    if shape is None:
        return
    errors: list[tuple[Any, str, str]] = []
    check_structure(shape, body, "", errors, constraints=False, skip_blob=False)
    if svc.name == "sqs" and name in ("CreateQueue", "SetQueueAttributes"):
        _check_sqs_attributes(body.get("Attributes") or {})  # a map now: types were checked
    if errors:
        value, field, _ = errors[0]
        if svc.query_compatible:
            member = field.split(".")[-1]
            raise AwsError(
                "MissingParameter",
                f"The request must contain the parameter {member[:1].upper() + member[1:]}.",
                query_code="MissingParameter",
            )
        raise AwsError("ValidationException", validation_message(errors))


def _validate_query(svc: Service, req: Request) -> None:
    params = _query_params(req)
    action = (params.get("Action") or [""])[0]
    if not action:
        raise AwsError("MissingAction", "Missing Action")
    if action not in svc.model.operation_names:
        raise AwsError("InvalidAction", f"The action {action} is not valid for this endpoint.")
    shape = svc.model.operation_model(action).input_shape
    if shape is None:
        return
    for name in shape.required_members:
        member = shape.members[name]
        if member.type_name in ("list", "map", "structure"):
            continue  # flattened names differ between the JSON model and the query wire
        if svc.name == "sqs" and name == "QueueUrl" and req.path.strip("/"):
            continue  # the query protocol sends the queue URL as the path
        if name not in params:
            if svc.name == "sqs":
                raise AwsError(
                    "MissingParameter", f"The request must contain the parameter {name}."
                )
            raise AwsError(
                "ValidationError",
                validation_message([(None, camel(name), "Member must not be null")]),
            )
    if (svc.name, action) == ("sns", "Publish") and not params.keys() & _SNS_PUBLISH_TARGETS:
        raise AwsError("InvalidParameter", SNS_PUBLISH_NO_TARGET)
    if svc.name == "sqs" and action in ("CreateQueue", "SetQueueAttributes"):
        _check_sqs_attributes(
            {
                params[key][0]: (params.get(key[: -len("Name")] + "Value") or [""])[0]
                for key in params
                if re.fullmatch(r"Attribute\.\d+\.Name", key)
            }
        )
    if (svc.name, action) == ("sns", "Subscribe"):
        _check_sns_endpoint(params)
    if svc.name == "sns":
        for name in ("TopicArn", "TargetArn", "SubscriptionArn"):
            value = (params.get(name) or [None])[0]
            if value is not None and not re.fullmatch(r"arn:[^:]+:sns:[^:]*:[^:]*:.+", value):
                raise AwsError("InvalidParameter", f"Invalid parameter: {name}")
    errors: list[tuple[Any, str, str]] = []
    for name, member in shape.members.items():
        if svc.name == "iam" and name in params and member.type_name == "string":
            check_constraints(member, params[name][0], camel(name), name, errors)
        if name in params and member.type_name in ("integer", "long", "boolean"):
            raw = params[name][0]
            if not scalar_ok(member.type_name, raw):
                raise AwsError(
                    "InvalidParameterValue",
                    f"Value ({raw}) for parameter {name} is invalid. Expected: '{member.type_name}'.",
                )
    if errors:  # IAM enforces its model's lengths and patterns itself
        raise AwsError("ValidationError", validation_message(errors))


def _check_sqs_attributes(attributes: Mapping[str, Any]) -> None:
    """SQS's numeric queue attributes must be integers (moto would crash on int())."""
    for name, value in attributes.items():
        if name in _SQS_INTEGER_ATTRIBUTES and not scalar_ok("integer", str(value)):
            raise AwsError(
                "InvalidAttributeValue",
                f"Invalid value for the parameter {name}.",
                query_code="InvalidAttributeValue",
            )


def _check_sns_endpoint(params: Mapping[str, list[str]]) -> None:
    """Protocols that deliver to an AWS resource need its ARN as the Endpoint."""
    protocol = (params.get("Protocol") or [""])[0]
    label = _SNS_ARN_PROTOCOLS.get(protocol)
    endpoint = (params.get("Endpoint") or [""])[0]
    if label and not re.fullmatch(r"arn:[^:]+:[^:]+:[^:]*:[^:]*:.+", endpoint):
        raise AwsError("InvalidParameter", f"Invalid parameter: {label} endpoint ARN")


# -- JSON values against shapes ------------------------------------------------------------------


def invoke_payload_problem(payload: bytes) -> str | None:
    """Why an Invoke payload is not a JSON document (an empty payload is allowed), or None."""
    if not payload:
        return None
    try:
        json.loads(payload.decode("utf-8"))
    except UnicodeDecodeError as exc:
        return (
            f"Could not parse payload into json: Invalid UTF-8 start byte "
            f"0x{payload[exc.start]:02x}{_jackson_location(payload, exc.start)}"
        )
    except RecursionError:
        return "Could not parse payload into json: Maximum nesting depth exceeded"
    except ValueError as exc:
        return f"Could not parse payload into json: {exc}"
    return None


def _jackson_location(data: bytes, offset: int) -> str:
    """The location Lambda's JSON parser (Jackson) appends: its column is one past the bad byte,
    counted from 1 (docs/aws-behaviour.md, Error bodies and request ids; one recording, so the
    column rule beyond it is unconfirmed)."""
    line = data.count(b"\n", 0, offset) + 1
    column = offset - (data.rfind(b"\n", 0, offset) + 1) + 2
    return (
        "\n at [Source: REDACTED (`StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION` disabled); "
        f"line: {line}, column: {column}]"
    )


def _parse_json(body: bytes, code: str, prefix: str) -> Any:
    try:
        return json.loads(body.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise AwsError(code, f"{prefix}Invalid UTF-8 start byte 0x{body[exc.start]:02x}") from None
    except RecursionError:
        raise AwsError(code, f"{prefix}Maximum nesting depth exceeded") from None
    except ValueError as exc:
        raise AwsError(code, f"{prefix}{exc}") from None
