"""The moto internals behind the emulator's Lambda API (moto_glue.py, sections "Function
configuration and states" and "Lambda routes beyond moto's"): a moto upgrade that moves them
fails here, loudly."""

from __future__ import annotations

import base64
import inspect
import json
import random
from typing import Any

from moto.awslambda.models import LambdaBackend, LambdaStorage, LayerStorage
from moto.core.responses import BaseResponse
from moto.core.utils import camelcase_to_underscores, method_names_from_class
from moto.iam.models import iam_backends

from asyncdlq.emulator import moto_glue
from asyncdlq.emulator.lambda_backend import EmulatedFunction, LambdaBackends

from .conftest import zip_source

# moto's FunctionConfiguration keys for a Zip function: function_shape.configuration keeps,
# drops or replaces each of them. A new key from moto must be looked at before it reaches clients.
MOTO_KEYS = {
    "Architectures", "CodeSha256", "CodeSize", "Description", "EphemeralStorage", "FunctionArn",
    "FunctionName", "Handler", "LastModified", "Layers", "MemorySize", "PackageType", "Role",
    "Runtime", "SigningJobArn", "SigningProfileVersionArn", "SnapStart", "State", "Timeout",
    "TracingConfig", "Version", "VpcConfig",
}  # fmt: skip


class _Host:
    def run_attempt(self, *args: Any, **kwargs: Any) -> Any:
        raise AssertionError("not run here")

    def submit(self, event: Any) -> None:
        raise AssertionError("not submitted here")

    def retire_function(self, function_arn: str, version: str | None) -> None:
        pass


def _function() -> tuple[Any, EmulatedFunction]:
    account = f"{random.randrange(10**11, 10**12):012d}"
    role = iam_backends[account]["aws"].create_role(
        "fn-role", json.dumps({"Version": "2012-10-17", "Statement": []}), "/", None, "", [], None
    )
    backend = LambdaBackends(_Host()).backend(account, "us-east-1")
    fn = backend.create_function(
        {
            "FunctionName": "fn",
            "Runtime": "python3.12",
            "Role": role.arn,
            "Handler": "handler.lambda_handler",
            "Code": {"ZipFile": base64.b64encode(zip_source("x = 1\n")).decode()},
        }
    )
    return backend, fn


def test_moto_configuration_has_the_keys_the_shape_expects() -> None:
    _, fn = _function()
    on_create = moto_glue.moto_function_configuration(fn, True)
    later = moto_glue.moto_function_configuration(fn, False)
    assert set(on_create) == MOTO_KEYS
    assert set(later) == MOTO_KEYS | {"LastUpdateStatus"}
    assert on_create["LastModified"].endswith("000Z")  # function_shape.aws_timestamp's input


def test_moto_publishes_a_shallow_copy_and_sets_its_version() -> None:
    assert moto_glue.moto_publishes_by_copy()
    backend, fn = _function()
    before = fn.get_configuration()["RevisionId"]
    version = backend.publish_version("fn")
    assert isinstance(version, EmulatedFunction) and version is not fn
    assert version.lifecycle is not fn.lifecycle  # EmulatedFunction.set_version ran on the copy
    assert fn.get_configuration()["RevisionId"] != before  # publishing revises $LATEST
    assert version.get_configuration()["RevisionId"] != fn.get_configuration()["RevisionId"]


def test_lambda_storage_keeps_functions_and_layers_where_the_glue_reads_them() -> None:
    backend = LambdaBackend("us-east-1", "123456789012")
    assert isinstance(backend._lambdas, LambdaStorage)
    assert isinstance(backend._layers, LayerStorage)
    assert backend._lambdas._functions == {} and backend._layers._layers == {}
    assert moto_glue.lambda_storage_usage(backend) == (0, 0)
    assert moto_glue.lambda_reserved_concurrency(backend) == {}
    # put_function stores {"latest": fn, "versions": [...]} by name.
    assert '"latest": fn, "versions": []' in inspect.getsource(LambdaStorage.put_function)


def test_dispatch_finds_operations_the_way_the_guard_expects() -> None:
    assert callable(BaseResponse._get_action) and callable(BaseResponse.call_action)
    assert camelcase_to_underscores("GetAccountSettings") == "get_account_settings"
    from asyncdlq.emulator.lambda_responses import bind_response

    names = method_names_from_class(bind_response(None, 0))  # type: ignore[arg-type]
    for name in (
        "get_account_settings",
        "put_function_concurrency",
        "put_function_event_invoke_config",
        "list_function_event_invoke_configs",
        "call_action",
    ):
        assert name in names, name
    # moto raises for an action it has no method for; the guard answers before that.
    assert "has not been implemented" in inspect.getsource(BaseResponse.call_action)


def test_the_lambda_app_routes_every_path() -> None:
    from asyncdlq.emulator.lambda_responses import EmulatedLambdaResponse

    app = moto_glue.app_factory(EmulatedLambdaResponse)("awslambda")
    adapter = app.url_map.bind("localhost")
    endpoint, _ = adapter.match("/2016-08-19/account-settings/", method="GET")
    assert endpoint == "asyncdlq_lambda_any"
