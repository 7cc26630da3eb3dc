"""Function configurations and states as AWS answers them, and the ARN a handler sees.

Every expected value is AWS's recorded answer, written here as data. Sources: localstack's
AWS-validated snapshots in repo localstack/localstack,
``tests/aws/services/lambda_/test_lambda_api.snapshot.json`` (API) and
``tests/aws/services/lambda_/test_lambda_common.snapshot.json``, ``test_lambda.snapshot.json``
(the handler's context). The recordings write ``arn:<partition>:``; the partition they were made
in is ``aws``. They replace two values with placeholders that only their form can be checked
against: the runtime version id (``<resource:N>``) and Code.Location (``<location>``); the test
asserts the form and then writes the recording's placeholder in.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError

from asyncdlq.emulator.server import EmulatorServer
from tests.emulator.conftest import Aws, zip_source
from tests.emulator.helpers import wait_outcome

from .normalize import assert_matches, normalize

REGION = "us-east-1"
CONTEXT_HANDLER = """
def lambda_handler(event, context):
    return {"arn": context.invoked_function_arn, "version": context.function_version}
"""
# The API reference's pattern (https://docs.aws.amazon.com/lambda/latest/api/API_RuntimeVersionConfig.html).
RUNTIME_VERSION_ARN = re.compile(r"^arn:aws:lambda:us-east-1::runtime:.+$")
ARN = "arn:aws:lambda:<region>:111111111111:function:<function-name:1>"


def _base(**changes: Any) -> dict[str, Any]:
    """The FunctionConfiguration keys every recording below shares (python3.12, Zip, no layers)."""
    config = {
        "Architectures": ["x86_64"],
        "CodeSha256": "<code-sha256>",
        "CodeSize": "<code-size>",
        "Description": "",
        "EphemeralStorage": {"Size": 512},
        "FunctionArn": ARN,
        "FunctionName": "<function-name:1>",
        "Handler": "handler.lambda_handler",
        "LastModified": "<timestamp>",
        "LoggingConfig": {"LogFormat": "Text", "LogGroup": "/aws/lambda/<function-name:1>"},
        "MemorySize": 128,
        "PackageType": "Zip",
        "RevisionId": "<uuid>",
        "Role": "arn:aws:iam::111111111111:role/<resource:1>",
        "Runtime": "python3.12",
        "RuntimeVersionConfig": {
            "RuntimeVersionArn": "arn:aws:lambda:<region>::runtime:<resource:2>"
        },
        "SnapStart": {"ApplyOn": "None", "OptimizationStatus": "Off"},
        "Timeout": 3,
        "TracingConfig": {"Mode": "PassThrough"},
        "Version": "$LATEST",
    }
    config.update(changes)
    return config


# test_lambda_api.snapshot.json, TestLambdaFunction::test_lambda_code_location_zipfile,
# "create-response-zip-file" (no Environment in the request: none in the answer).
CREATED = _base(
    State="Pending", StateReason="The function is being created.", StateReasonCode="Creating"
)
# Same test, "get-function-response" (after the function_active_v2 waiter).
ACTIVE = _base(State="Active", LastUpdateStatus="Successful")
# test_lambda_api.snapshot.json, TestLambdaFunction::test_function_lifecycle,
# "update_func_conf_response" and "get_function_response_postupdate".
UPDATE_CHANGES = {
    "Description": "Changed-Description",
    "Environment": {"Variables": {"ENV_A": "a"}},
    "MemorySize": 512,
    "Runtime": "python3.11",
    "RuntimeVersionConfig": {"RuntimeVersionArn": "arn:aws:lambda:<region>::runtime:<resource:3>"},
    "State": "Active",
    "Timeout": 10,
}
UPDATING = _base(
    **UPDATE_CHANGES,
    LastUpdateStatus="InProgress",
    LastUpdateStatusReason="The function is being created.",
    LastUpdateStatusReasonCode="Creating",
)
UPDATED = _base(**UPDATE_CHANGES, LastUpdateStatus="Successful")


@pytest.fixture(scope="module")
def slow() -> Iterator[Aws]:
    """An emulator at AWS's own pace (time_scale 1): Pending and InProgress last long enough to
    be seen, and waited for, as on AWS."""
    server = EmulatorServer("127.0.0.1", 0, time_scale=1.0).start()
    yield Aws(server.endpoint_url)
    server.stop()


def _role(aws: Aws) -> tuple[str, str]:
    name = f"r-{uuid.uuid4().hex[:8]}"
    policy = json.dumps({"Version": "2012-10-17", "Statement": []})
    arn = aws.client("iam").create_role(RoleName=name, AssumeRolePolicyDocument=policy)
    return name, arn["Role"]["Arn"]


def _create(aws: Aws, **extra: Any) -> tuple[dict[str, Any], dict[str, str]]:
    """Create a function; its response and the names to normalize."""
    role_name, role_arn = _role(aws)
    name = f"fn-{uuid.uuid4().hex[:8]}"
    response = aws.client("lambda").create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=role_arn,
        Handler="handler.lambda_handler",
        Code={"ZipFile": zip_source(CONTEXT_HANDLER)},
        **extra,
    )
    return response, {name: "<function-name:1>", role_name: "<resource:1>"}


def _wait(lam: Any, name: str, key: str, value: str, timeout_s: float = 15) -> dict[str, Any]:
    """Poll GetFunctionConfiguration until ``key`` is ``value`` (the SDK waiters poll each 1 s+)."""
    deadline = time.time() + timeout_s
    while True:
        config = lam.get_function_configuration(FunctionName=name)
        if config.get(key) == value or time.time() > deadline:
            return config
        time.sleep(0.02)


def _shaped(config: dict[str, Any], names: dict[str, str], runtime_ids: dict[str, str]) -> Any:
    """``config`` normalized; its runtime version id replaced by the recording's placeholder for
    that runtime once its form is checked."""
    config = dict(config)
    runtime_arn = config["RuntimeVersionConfig"]["RuntimeVersionArn"]
    assert RUNTIME_VERSION_ARN.match(runtime_arn), runtime_arn
    placeholder = runtime_ids[config["Runtime"]]
    config["RuntimeVersionConfig"] = {
        "RuntimeVersionArn": runtime_arn.rsplit(":", 1)[0] + ":" + placeholder
    }
    return normalize(config, names, regions=(REGION,))


IDS = {"python3.12": "<resource:2>", "python3.11": "<resource:3>"}


def test_create_answers_pending_and_get_answers_active_later(slow: Aws) -> None:
    lam = slow.client("lambda")
    created, names = _create(slow)
    assert created["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert_matches(CREATED, _shaped(created, names, IDS))

    active = _wait(lam, created["FunctionName"], "State", "Active")
    assert_matches({**ACTIVE}, _shaped(active, names, IDS))
    assert active["RevisionId"] != created["RevisionId"]  # uuid:1 -> uuid:2 in the recording

    got = lam.get_function(FunctionName=created["FunctionName"])
    assert set(got) - {"ResponseMetadata"} == {"Code", "Configuration"}  # no Tags, none set
    assert got["Code"]["RepositoryType"] == "S3" and got["Code"]["Location"].startswith("https://")
    assert_matches(ACTIVE, _shaped(got["Configuration"], names, IDS))
    assert got["Configuration"]["RevisionId"] == active["RevisionId"]


def test_an_environment_set_to_no_variables_is_answered(aws: Aws) -> None:
    # test_lambda_api.snapshot.json, TestLambdaFunction::test_function_lifecycle,
    # "create_response": the request had Environment {"Variables": {}}, MemorySize 256, Timeout 5.
    created, names = _create(aws, Environment={"Variables": {}}, MemorySize=256, Timeout=5)
    expected = {**CREATED, "Environment": {"Variables": {}}, "MemorySize": 256, "Timeout": 5}
    assert_matches(expected, _shaped(created, names, IDS))
    assert "Layers" not in created


def test_update_answers_in_progress_then_successful_with_a_new_revision_each_time(
    slow: Aws,
) -> None:
    lam = slow.client("lambda")
    created, names = _create(slow)
    name = created["FunctionName"]
    active = _wait(lam, name, "State", "Active")
    updating = lam.update_function_configuration(
        FunctionName=name,
        Runtime="python3.11",
        Description="Changed-Description",
        MemorySize=512,
        Timeout=10,
        Environment={"Variables": {"ENV_A": "a"}},
    )
    assert_matches(UPDATING, _shaped(updating, names, IDS))
    # Read before it settles: the recording's get right after an update shows InProgress too
    # (test_lambda_code_location_zipfile, "get-function-response-updated", same RevisionId).
    assert lam.get_function_configuration(FunctionName=name)["RevisionId"] == updating["RevisionId"]

    updated = _wait(lam, name, "LastUpdateStatus", "Successful")
    assert_matches(UPDATED, _shaped(updated, names, IDS))
    revisions = [r["RevisionId"] for r in (created, active, updating, updated)]
    assert len(set(revisions)) == 4  # uuid:1 .. uuid:4 in test_function_lifecycle
    runtime_arns = {r["RuntimeVersionConfig"]["RuntimeVersionArn"] for r in (active, updated)}
    assert len(runtime_arns) == 2  # <resource:2> for python3.12, <resource:3> for python3.11


def test_code_update_answers_in_progress(slow: Aws) -> None:
    # test_lambda_api.snapshot.json, TestLambdaFunction::test_lambda_code_location_zipfile,
    # "update-function-response".
    lam = slow.client("lambda")
    created, names = _create(slow)
    _wait(lam, created["FunctionName"], "State", "Active")
    response = lam.update_function_code(
        FunctionName=created["FunctionName"], ZipFile=zip_source(CONTEXT_HANDLER + "\n# v2\n")
    )
    expected = _base(
        State="Active",
        LastUpdateStatus="InProgress",
        LastUpdateStatusReason="The function is being created.",
        LastUpdateStatusReasonCode="Creating",
    )
    assert_matches(expected, _shaped(response, names, IDS))
    assert response["CodeSha256"] != created["CodeSha256"]


def test_invoking_a_pending_function_is_a_conflict(slow: Aws) -> None:
    # remotion-dev/remotion#1186 (AWS's answer to an Invoke right after CreateFunction).
    lam = slow.client("lambda")
    created, _ = _create(slow)
    for invocation_type in ("RequestResponse", "Event"):
        with pytest.raises(ClientError) as raised:
            lam.invoke(FunctionName=created["FunctionName"], InvocationType=invocation_type)
        error = raised.value.response
        assert error["ResponseMetadata"]["HTTPStatusCode"] == 409
        assert error["Error"] == {
            "Code": "ResourceConflictException",
            "Message": "The operation cannot be performed at this time. "
            "The function is currently in the following state: Pending",
        }
    _wait(lam, created["FunctionName"], "State", "Active")
    assert lam.invoke(FunctionName=created["FunctionName"])["StatusCode"] == 200


# -- context.invoked_function_arn: the ARN the caller used ---------------------------------------
# Bare name -> unqualified; "<arn>:$LATEST" -> qualified: test_lambda_common.snapshot.json,
# TestLambdaRuntimesCommon::test_introspection_invoke[python3.12], "invocation_result_payload" and
# "invocation_result_payload_qualified". Qualifier "1" -> ":1": test_lambda.snapshot.json,
# TestLambdaFeatures::test_invocation_with_qualifier. An alias -> ":<alias>": the context's
# documented meaning (https://docs.aws.amazon.com/lambda/latest/dg/python-context.html), not
# recorded here.


@pytest.fixture(scope="module")
def published(aws: Aws) -> tuple[str, str]:
    created, _ = _create(aws)
    lam, name = aws.client("lambda"), created["FunctionName"]
    _wait(lam, name, "State", "Active")
    lam.publish_version(FunctionName=name)
    lam.create_alias(FunctionName=name, Name="live", FunctionVersion="1")
    return name, created["FunctionArn"]


def _requests(name: str, arn: str) -> list[tuple[dict[str, str], str, str]]:
    """(Invoke parameters, the ARN the handler sees, the version it runs)."""
    return [
        ({"FunctionName": name}, arn, "$LATEST"),
        ({"FunctionName": arn}, arn, "$LATEST"),
        ({"FunctionName": name, "Qualifier": "$LATEST"}, f"{arn}:$LATEST", "$LATEST"),
        ({"FunctionName": f"{arn}:$LATEST"}, f"{arn}:$LATEST", "$LATEST"),
        ({"FunctionName": name, "Qualifier": "1"}, f"{arn}:1", "1"),
        ({"FunctionName": f"{name}:live"}, f"{arn}:live", "1"),
    ]


def test_the_handler_sees_the_arn_it_was_invoked_by(aws: Aws, published: tuple[str, str]) -> None:
    lam = aws.client("lambda")
    for params, invoked, version in _requests(*published):
        got = json.loads(lam.invoke(Payload=b"{}", **params)["Payload"].read())
        assert got == {"arn": invoked, "version": version}, params


def test_an_event_keeps_the_arn_it_was_invoked_by(
    aws: Aws, emulator: Any, published: tuple[str, str]
) -> None:
    lam = aws.client("lambda")
    for params, invoked, version in _requests(*published):
        response = lam.invoke(InvocationType="Event", Payload=b"{}", **params)
        event = wait_outcome(emulator, response["ResponseMetadata"]["RequestId"])
        assert event.outcome == "Success", params
        got = json.loads(event.attempts[-1].payload)
        assert got == {"arn": invoked, "version": version}, params
