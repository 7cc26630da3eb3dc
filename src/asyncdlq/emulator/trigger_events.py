"""The event a trigger (SNS, EventBridge, S3) hands a Lambda function, as pure functions.

Each builder returns exactly what AWS delivers: same keys, same key order, same casing. The
shapes and every rule below are in docs/aws-behaviour.md, "Triggers that invoke asynchronously:
event shapes". Nothing here talks to a backend: the callers pass in what they know (ids, times,
the published message) so the builders can be tested field by field against recordings.
"""

from __future__ import annotations

import base64
import datetime as _dt
import json
import re
import urllib.parse
from typing import Any

__all__ = [
    "InputTemplateError",
    "eventbridge_event",
    "eventbridge_target_input",
    "s3_event_matches",
    "s3_object_event",
    "sns_event",
    "sns_message_attributes",
]


# -- SNS -----------------------------------------------------------------------------------------


def _sns_timestamp(when: _dt.datetime) -> str:
    # SNS writes milliseconds and a "Z": 2019-08-20T18:47:13.322Z.
    utc = when.astimezone(_dt.timezone.utc)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def sns_message_attributes(attributes: dict[str, dict[str, Any]] | None) -> dict[str, Any]:
    """Publish's ``{DataType, StringValue|BinaryValue}`` as the event's ``{Type, Value}``.

    Number and String.Array keep their text; a binary value is base64 text (unconfirmed)."""
    out: dict[str, Any] = {}
    for name, attr in (attributes or {}).items():
        if "BinaryValue" in attr:
            raw = attr["BinaryValue"]
            value = base64.b64encode(raw).decode() if isinstance(raw, bytes) else str(raw)
        else:
            value = attr.get("StringValue", "")
        out[name] = {"Type": attr["DataType"], "Value": value}
    return out


def sns_event(
    *,
    subscription_arn: str,
    topic_arn: str,
    message_id: str,
    message: str,
    timestamp: _dt.datetime,
    subject: str | None = None,
    message_attributes: dict[str, dict[str, Any]] | None = None,
    signature: str = "EXAMPLE",
    signing_cert_url: str | None = None,
) -> dict[str, Any]:
    """The ``{"Records": [...]}`` event SNS invokes a subscribed function with (one record)."""
    region = topic_arn.split(":")[3]
    endpoint = f"https://sns.{region}.amazonaws.com"
    unsubscribe = f"{endpoint}/?Action=Unsubscribe&SubscriptionArn={subscription_arn}"
    return {
        "Records": [
            {
                "EventSource": "aws:sns",
                "EventVersion": "1.0",
                "EventSubscriptionArn": subscription_arn,
                "Sns": {
                    "Type": "Notification",
                    "MessageId": message_id,
                    "TopicArn": topic_arn,
                    "Subject": subject,
                    "Message": message,
                    "Timestamp": _sns_timestamp(timestamp),
                    "SignatureVersion": "1",
                    "Signature": signature,
                    "SigningCertUrl": signing_cert_url
                    or f"{endpoint}/SimpleNotificationService-emulator.pem",
                    "UnsubscribeUrl": unsubscribe,
                    "MessageAttributes": sns_message_attributes(message_attributes),
                },
            }
        ]
    }


# -- EventBridge ---------------------------------------------------------------------------------


def eventbridge_event(
    *,
    event_id: str,
    detail_type: str,
    source: str,
    account: str,
    time: _dt.datetime,
    region: str,
    resources: list[str] | None,
    detail: Any,
) -> dict[str, Any]:
    """The envelope a rule matches and, with no Input* on the target, the function receives."""
    return {
        "version": "0",
        "id": event_id,
        "detail-type": detail_type,
        "source": source,
        "account": account,
        # Whole seconds: 2015-10-08T16:53:06Z.
        "time": time.astimezone(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": region,
        "resources": list(resources or []),
        "detail": detail,
    }


class InputTemplateError(ValueError):
    """The transformed input is not deliverable; AWS drops the event for that target."""


_MISSING = object()
_PATH_PART = re.compile(r"\.([^.\[\]]+)|\[(\d+)\]")
_PLACEHOLDER = re.compile(r"<([^<>\s]+)>")


def _json_path(event: Any, path: str) -> Any:
    """Dot notation plus array indices, the subset EventBridge documents; absent -> _MISSING."""
    if not path.startswith("$"):
        raise InputTemplateError(f"not a JSON path: {path!r}")
    node, rest = event, path[1:]
    while rest:
        found = _PATH_PART.match(rest)
        if not found:
            raise InputTemplateError(f"unsupported JSON path: {path!r}")
        key, index = found.groups()
        rest = rest[found.end() :]
        if key is not None and isinstance(node, dict) and key in node:
            node = node[key]
        elif index is not None and isinstance(node, list) and int(index) < len(node):
            node = node[int(index)]
        else:
            return _MISSING
    return node


def _as_text(value: Any) -> str:
    # In a string template objects and lists lose their quotes: {acc_id:0a78,sf_id:baz}, [A,B].
    if value is _MISSING or value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        return "{" + ",".join(f"{k}:{_as_text(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ",".join(_as_text(v) for v in value) + "]"
    return json.dumps(value)


def _fill_json(template: str, values: dict[str, Any]) -> str:
    """Substitute placeholders in a JSON template, knowing whether each sits inside a string."""
    out: list[str] = []
    in_string = False
    i = 0
    while i < len(template):
        char = template[i]
        if in_string and char == "\\":
            out.append(template[i : i + 2])
            i += 2
            continue
        if char == '"':
            in_string = not in_string
        found = _PLACEHOLDER.match(template, i) if char == "<" else None
        if found and found.group(1) in values:
            value = values[found.group(1)]
            if not in_string:
                out.append('""' if value is _MISSING else json.dumps(value))
            elif isinstance(value, (dict, list)):
                raise InputTemplateError(f"<{found.group(1)}> is JSON inside a string")
            else:
                out.append(json.dumps(_as_text(value))[1:-1])
            i = found.end()
            continue
        out.append(char)
        i += 1
    text = "".join(out)
    try:
        json.loads(text)
    except ValueError as err:
        raise InputTemplateError(f"transformed input is not JSON: {err}") from None
    return text


def _predefined(event: dict[str, Any], rule_arn: str, ingestion_time: str) -> dict[str, Any]:
    without_detail = {k: v for k, v in event.items() if k != "detail"}
    return {
        "aws.events.rule-arn": rule_arn,
        "aws.events.rule-name": rule_arn.rsplit("/", 1)[-1],
        "aws.events.event.ingestion-time": ingestion_time,
        "aws.events.event": without_detail,
        "aws.events.event.json": event,
    }


def eventbridge_target_input(
    event: dict[str, Any],
    *,
    input: str | None = None,
    input_path: str | None = None,
    input_transformer: dict[str, Any] | None = None,
    rule_arn: str = "",
) -> str:
    """The payload (text) a target receives: the event, or what Input/InputPath/InputTransformer
    make of it. Raises InputTemplateError when AWS would not deliver."""
    if input is not None:
        return input
    if input_path is not None:
        value = _json_path(event, input_path)
        return "" if value is _MISSING else json.dumps(value)
    if input_transformer is None:
        return json.dumps(event)
    template: str = input_transformer["InputTemplate"]
    values = _predefined(event, rule_arn, event.get("time", ""))
    for name, path in (input_transformer.get("InputPathsMap") or {}).items():
        values[name] = _json_path(event, path)
    if template.lstrip()[:1] in ("{", "["):
        return _fill_json(template, values)

    def text(found: re.Match[str]) -> str:
        name = found.group(1)
        return _as_text(values[name]) if name in values else found.group(0)

    return _PLACEHOLDER.sub(text, template)


# -- S3 ------------------------------------------------------------------------------------------


def s3_event_matches(
    event_name: str, key: str, events: list[str], prefix: str = "", suffix: str = ""
) -> bool:
    """Whether one notification configuration (event types plus key prefix/suffix) fires."""
    wanted = f"s3:{event_name}"
    type_ok = any(e == wanted or (e.endswith(":*") and wanted.startswith(e[:-1])) for e in events)
    return type_ok and key.startswith(prefix) and key.endswith(suffix)


def s3_object_event(
    *,
    event_name: str,
    region: str,
    event_time: _dt.datetime,
    principal_id: str,
    source_ip: str,
    request_id: str,
    host_id: str,
    configuration_id: str,
    bucket: str,
    bucket_owner_id: str,
    key: str,
    sequencer: str,
    size: int | None = None,
    etag: str | None = None,
    version_id: str | None = None,
) -> dict[str, Any]:
    """The ``{"Records": [...]}`` event S3 invokes a function with. Deletes carry no size or
    eTag; versionId only comes from a versioned bucket."""
    obj: dict[str, Any] = {"key": urllib.parse.quote_plus(key, safe="/")}
    if size is not None:
        obj["size"] = size
    if etag is not None:
        obj["eTag"] = etag.strip('"')
    if version_id is not None:
        obj["versionId"] = version_id
    obj["sequencer"] = sequencer
    utc = event_time.astimezone(_dt.timezone.utc)
    return {
        "Records": [
            {
                "eventVersion": "2.1",
                "eventSource": "aws:s3",
                "awsRegion": region,
                "eventTime": utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z",
                "eventName": event_name,
                "userIdentity": {"principalId": principal_id},
                "requestParameters": {"sourceIPAddress": source_ip},
                "responseElements": {"x-amz-request-id": request_id, "x-amz-id-2": host_id},
                "s3": {
                    "s3SchemaVersion": "1.0",
                    "configurationId": configuration_id,
                    "bucket": {
                        "name": bucket,
                        "ownerIdentity": {"principalId": bucket_owner_id},
                        "arn": f"arn:aws:s3:::{bucket}",
                    },
                    "object": obj,
                },
            }
        ]
    }
