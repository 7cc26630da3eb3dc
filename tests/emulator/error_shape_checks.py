"""Assertions that an HTTP answer is an AWS error in its service's own shape, as botocore (the
SDK the harness and the AWS CLI use) parses it."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from typing import Any

import botocore.session
from botocore.parsers import create_parser


def assert_aws_error(service: str, status: int, headers: dict[str, str], body: bytes) -> str:
    """The error code, after checking the body has the protocol's shape; returns the code."""
    content_type = headers.get("content-type", "")
    if "xml" in content_type:
        protocol = "query"
        root = ET.fromstring(body)
        assert root.tag.endswith("ErrorResponse"), body[:300]
        ns = root.tag[: root.tag.index("}") + 1] if root.tag.startswith("{") else ""
        error = root.find(f"{ns}Error")
        assert error is not None, body[:300]
        assert error.findtext(f"{ns}Type") in ("Sender", "Receiver"), body[:300]
        assert error.findtext(f"{ns}Message") is not None, body[:300]
    else:
        document = json.loads(body)
        assert isinstance(document, dict), body[:300]
        assert "message" in document or "Message" in document, body[:300]
        if service == "lambda":
            protocol = "rest-json"
            assert headers.get("x-amzn-errortype") or "__type" in document, (headers, body[:300])
        else:
            protocol = "json"
            assert "__type" in document, body[:300]
    parsed: dict[str, Any] = create_parser(protocol).parse(
        {"status_code": status, "headers": headers, "body": body},
        _any_output_shape(service),
    )
    code = parsed["Error"]["Code"]
    assert code, (status, headers, body[:300])
    assert "ResponseMetadata" in parsed
    return code


def _any_output_shape(service: str) -> Any:
    model = botocore.session.get_session().get_service_model(service)
    return model.operation_model(model.operation_names[0]).output_shape
