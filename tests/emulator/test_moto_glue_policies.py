"""The moto internals behind resource-based policies (moto_glue.py, section "Resource-based
policies"): a moto upgrade that moves them fails here, loudly."""

from __future__ import annotations

import base64
import inspect
import json
import random
from typing import Any

import pytest
from moto.awslambda.models import LambdaBackend, LambdaFunction
from moto.awslambda.policy import Policy
from moto.iam.models import iam_backends

from asyncdlq.emulator import moto_glue
from asyncdlq.emulator.lambda_backend import LambdaBackends
from asyncdlq.emulator.moto_glue import UnknownFunctionException

from .conftest import zip_source


class _Host:
    def run_attempt(self, *args: Any, **kwargs: Any) -> Any:
        raise AssertionError("not run here")

    def submit(self, event: Any) -> None:
        raise AssertionError("not submitted here")

    def retire_function(self, function_arn: str, version: str | None) -> None:
        pass


def _backend() -> Any:
    account = f"{random.randrange(10**11, 10**12):012d}"
    role = iam_backends[account]["aws"].create_role(
        "fn-role", json.dumps({"Version": "2012-10-17", "Statement": []}), "/", None, "", [], None
    )
    backend = LambdaBackends(_Host()).backend(account, "us-east-1")
    backend.create_function(
        {
            "FunctionName": "fn",
            "Runtime": "python3.12",
            "Role": role.arn,
            "Handler": "handler.lambda_handler",
            "Code": {"ZipFile": base64.b64encode(zip_source("x = 1\n")).decode()},
        }
    )
    return backend


def _add(backend: Any, sid: str, qualifier: str | None = None) -> None:
    body = {"StatementId": sid, "Action": "lambda:InvokeFunction", "Principal": "sns.amazonaws.com",
            "SourceArn": "arn:aws:sns:us-east-1:111111111111:t"}  # fmt: skip
    backend.add_permission("fn", qualifier, json.dumps(body))


def test_the_names_the_reader_uses() -> None:
    assert "self.policy = Policy(self)" in inspect.getsource(LambdaFunction.__init__)
    assert "self.statements" in inspect.getsource(Policy.__init__)
    params = list(inspect.signature(LambdaBackend.get_function).parameters)
    assert params == ["self", "function_name_or_arn", "qualifier"]
    params = list(inspect.signature(LambdaBackend.add_permission).parameters)
    assert params == ["self", "function_name", "qualifier", "raw"]


def test_reader_returns_the_statements_as_aws_shapes_them() -> None:
    backend = _backend()
    assert moto_glue.lambda_resource_policy(backend, "fn", None) is None
    _add(backend, "sns")
    document = moto_glue.lambda_resource_policy(backend, "fn", None)
    assert document is not None
    assert document["Version"] == "2012-10-17" and document["Id"] == "default"
    (statement,) = document["Statement"]
    arn = backend.get_function("fn").function_arn
    assert statement == {
        "Sid": "sns",
        "Effect": "Allow",
        "Principal": {"Service": "sns.amazonaws.com"},
        "Action": "lambda:InvokeFunction",
        "Resource": arn,
        "Condition": {"ArnLike": {"AWS:SourceArn": "arn:aws:sns:us-east-1:111111111111:t"}},
    }
    statement["Sid"] = "changed"  # a copy: the caller cannot change moto's policy
    assert backend.get_function("fn").policy.statements[0]["Sid"] == "sns"


def test_versions_share_latest_statements_in_moto() -> None:
    # moto_glue.lambda_resource_policy's docstring relies on this; if moto gives versions their
    # own policy (as AWS does), the reader's callers need no Resource filtering to be right.
    backend = _backend()
    _add(backend, "sns")
    backend.publish_version("fn")
    _add(backend, "v1", "1")
    on_version = moto_glue.lambda_resource_policy(backend, "fn", "1")
    assert on_version is not None
    assert [s["Sid"] for s in on_version["Statement"]] == ["sns", "v1"]
    assert on_version["Statement"][1]["Resource"].endswith(":function:fn:1")


def test_reader_raises_for_a_missing_function() -> None:
    with pytest.raises(UnknownFunctionException):
        moto_glue.lambda_resource_policy(_backend(), "nope", None)
