"""The Invoke API answers as AWS does (docs/aws-behaviour.md, The invoke call) and the function
config round-trips."""

from __future__ import annotations

import json
import uuid

import pytest
from botocore.exceptions import ClientError

from .conftest import FAILING, SUCCEEDING


def test_event_invoke_returns_202_with_empty_body_and_a_request_id(aws, deploy) -> None:
    fn = deploy(SUCCEEDING)
    response = aws.client("lambda").invoke(
        FunctionName=fn.name, InvocationType="Event", Payload=b'{"key1": "value1"}'
    )
    assert response["StatusCode"] == 202
    assert response["Payload"].read() == b""
    headers = response["ResponseMetadata"]["HTTPHeaders"]
    uuid.UUID(headers["x-amzn-requestid"])  # a Lambda request ID is a UUID
    for absent in ("x-amz-executed-version", "x-amz-function-error", "x-amz-log-result"):
        assert absent not in headers


def test_dry_run_returns_204_and_runs_nothing(aws, deploy) -> None:
    fn = deploy(SUCCEEDING)
    response = aws.client("lambda").invoke(FunctionName=fn.name, InvocationType="DryRun")
    assert response["StatusCode"] == 204
    assert response["Payload"].read() == b""
    # Nothing ran, so nothing created the function's log group.
    groups = aws.client("logs").describe_log_groups(logGroupNamePrefix=f"/aws/lambda/{fn.name}")
    assert groups["logGroups"] == []


def test_sync_invoke_returns_the_result(aws, deploy) -> None:
    fn = deploy(SUCCEEDING)
    response = aws.client("lambda").invoke(FunctionName=fn.name, Payload=b'{"key1": "value1"}')
    assert response["StatusCode"] == 200
    assert response["ExecutedVersion"] == "$LATEST"
    assert "FunctionError" not in response
    assert response["Payload"].read() == b'"value1"'


def test_sync_error_is_unhandled_with_the_runtime_error_payload(aws, deploy) -> None:
    fn = deploy(FAILING)
    response = aws.client("lambda").invoke(FunctionName=fn.name, Payload=b'{"key1": "value1"}')
    request_id = response["ResponseMetadata"]["RequestId"]
    assert response["StatusCode"] == 200
    assert response["FunctionError"] == "Unhandled"
    raw = response["Payload"].read().decode()
    error = json.loads(raw)
    assert list(error) == ["errorMessage", "errorType", "requestId", "stackTrace"]
    assert error["errorMessage"] == "Something went wrong"
    assert error["errorType"] == "Exception"
    assert error["requestId"] == request_id
    assert error["stackTrace"] == [
        '  File "/var/task/handler.py", line 4, in lambda_handler\n'
        '    raise Exception("Something went wrong")\n'
    ]
    assert raw == json.dumps(error)  # default separators, as the runtime writes it


def test_timeout_payload_is_compact_and_names_the_request(aws, deploy) -> None:
    fn = deploy("import time\ndef lambda_handler(event, context):\n    time.sleep(5)\n", timeout=1)
    response = aws.client("lambda").invoke(FunctionName=fn.name, Payload=b"{}")
    request_id = response["ResponseMetadata"]["RequestId"]
    assert response["FunctionError"] == "Unhandled"
    assert response["Payload"].read().decode() == (
        '{"errorType":"Sandbox.Timedout","errorMessage":"RequestId: '
        f'{request_id} Error: Task timed out after 1.00 seconds"}}'
    )


def test_sys_exit_is_a_runtime_exit_error(aws, deploy) -> None:
    fn = deploy("import sys\ndef lambda_handler(event, context):\n    sys.exit()\n")
    response = aws.client("lambda").invoke(FunctionName=fn.name, Payload=b"{}")
    request_id = response["ResponseMetadata"]["RequestId"]
    assert json.loads(response["Payload"].read()) == {
        "errorType": "Runtime.ExitError",
        "errorMessage": f"RequestId: {request_id} Error: Runtime exited without providing a reason",
    }


def test_unknown_function_is_404_with_the_qualified_arn(aws) -> None:
    with pytest.raises(ClientError) as caught:
        aws.client("lambda").invoke(
            FunctionName="no-such-fn", InvocationType="Event", Payload=b"{}"
        )
    error = caught.value.response
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 404
    assert error["Error"]["Code"] == "ResourceNotFoundException"
    assert error["Error"]["Message"] == (
        "Function not found: arn:aws:lambda:us-east-1:123456789012:function:no-such-fn:$LATEST"
    )


def test_oversized_async_payload_is_413(aws, deploy) -> None:
    fn = deploy(SUCCEEDING)
    payload = json.dumps({"key1": "x" * 5000}).encode()  # the test emulator's limit is 4096
    with pytest.raises(ClientError) as caught:
        aws.client("lambda").invoke(FunctionName=fn.name, InvocationType="Event", Payload=payload)
    error = caught.value.response
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 413
    assert error["Error"]["Code"] == "RequestEntityTooLargeException"
    assert error["Error"]["Message"] == (
        f"{len(payload)} byte payload is too large for the Event invocation type (limit 4096 bytes)"
    )


def test_dead_letter_config_round_trips_and_can_be_removed(aws, deploy) -> None:
    fn = deploy(SUCCEEDING)
    lam = aws.client("lambda")
    config = lam.get_function_configuration(FunctionName=fn.name)
    assert config["DeadLetterConfig"] == {"TargetArn": fn.queue_arn}
    lam.update_function_configuration(FunctionName=fn.name, DeadLetterConfig={"TargetArn": ""})
    assert "DeadLetterConfig" not in lam.get_function_configuration(FunctionName=fn.name)


def test_put_event_invoke_config_replaces_and_update_merges(aws, deploy) -> None:
    fn = deploy(SUCCEEDING, retries=1, max_age=600)
    lam = aws.client("lambda")
    lam.put_function_event_invoke_config(FunctionName=fn.name, MaximumRetryAttempts=0)
    got = lam.get_function_event_invoke_config(FunctionName=fn.name)
    assert got["MaximumRetryAttempts"] == 0
    assert "MaximumEventAgeInSeconds" not in got  # Put replaced the whole config
    lam.update_function_event_invoke_config(FunctionName=fn.name, MaximumEventAgeInSeconds=120)
    got = lam.get_function_event_invoke_config(FunctionName=fn.name)
    assert (got["MaximumRetryAttempts"], got["MaximumEventAgeInSeconds"]) == (0, 120)
    listed = lam.list_function_event_invoke_configs(FunctionName=fn.name)
    assert len(listed["FunctionEventInvokeConfigs"]) == 1


def test_event_invoke_config_validation_messages(aws, deploy) -> None:
    fn = deploy(SUCCEEDING, retries=None)
    lam = aws.client("lambda")
    with pytest.raises(ClientError) as caught:
        lam.get_function_event_invoke_config(FunctionName=fn.name)
    assert caught.value.response["Error"]["Message"] == (
        f"The function {fn.arn}:$LATEST doesn't have an EventInvokeConfig"
    )
    with pytest.raises(ClientError) as caught:
        lam.put_function_event_invoke_config(FunctionName=fn.name)
    assert caught.value.response["Error"]["Code"] == "InvalidParameterValueException"
    assert caught.value.response["Error"]["Message"] == (
        "You must specify at least one of error handling or destination setting."
    )


@pytest.mark.parametrize("invocation_type", ["RequestResponse", "Event"])
def test_a_payload_that_is_not_json_is_refused(aws, deploy, invocation_type) -> None:
    fn = deploy(SUCCEEDING)
    with pytest.raises(ClientError) as caught:
        aws.client("lambda").invoke(
            FunctionName=fn.name, InvocationType=invocation_type, Payload=b"test data"
        )
    error = caught.value.response
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert error["Error"]["Code"] == "InvalidRequestContentException"
    assert error["Error"]["Message"].startswith(
        "Could not parse request body into json: Could not parse payload into json: "
    )


def test_log_type_tail_returns_the_invocations_log(aws, deploy) -> None:
    import base64

    fn = deploy(SUCCEEDING)
    lam = aws.client("lambda")
    lam.invoke(FunctionName=fn.name, Payload=b'{"key1": "first"}')
    response = lam.invoke(FunctionName=fn.name, Payload=b'{"key1": "second"}', LogType="Tail")
    request_id = response["ResponseMetadata"]["RequestId"]
    tail = base64.b64decode(response["LogResult"]).decode()
    lines = tail.splitlines()
    assert lines[0] == f"START RequestId: {request_id} Version: $LATEST"
    assert lines[1] == "Lambda event: {'key1': 'second'}"
    assert lines[2] == f"END RequestId: {request_id}"
    assert lines[3].startswith(f"REPORT RequestId: {request_id}\tDuration: ")
    assert "first" not in tail
    plain = lam.invoke(FunctionName=fn.name, Payload=b'{"key1": "x"}')
    assert "LogResult" not in plain


def test_log_tail_is_the_last_4_kb_of_the_invocation_wherever_it_logs(aws, deploy) -> None:
    import base64

    fn = deploy(
        """
        def lambda_handler(event, context):
            for i in range(200):
                print(f"line {i:03d} " + "x" * 40)
            return "ok"
        """
    )
    lam = aws.client("lambda")
    # The tail is what the attempt logged, not read back from a stream: a custom group works too.
    lam.update_function_configuration(FunctionName=fn.name, LoggingConfig={"LogGroup": "/own/x"})
    response = lam.invoke(FunctionName=fn.name, Payload=b"{}", LogType="Tail")
    request_id = response["ResponseMetadata"]["RequestId"]
    tail = base64.b64decode(response["LogResult"])
    assert len(tail) == 4096
    lines = tail.decode().splitlines()
    assert lines[-2] == f"END RequestId: {request_id}"
    assert lines[-1].startswith(f"REPORT RequestId: {request_id}\tDuration: ")
    assert lines[-3] == "line 199 " + "x" * 40
    assert "START RequestId" not in tail.decode()  # cut off: the log is longer than 4 KB
    logs = aws.client("logs")
    streams = logs.describe_log_streams(logGroupName="/own/x")["logStreams"]
    assert streams  # the CloudWatch log is written as before


@pytest.mark.parametrize("runtime", ["python3.12", "python3.11"])
def test_a_handler_calls_aws_through_the_emulator_with_the_runtimes_boto3(aws, deploy, runtime):
    fn = deploy(
        """
        import boto3
        def lambda_handler(event, context):
            sqs = boto3.client("sqs")
            url = sqs.get_queue_url(QueueName=event["queue"])["QueueUrl"]
            sqs.send_message(QueueUrl=url, MessageBody="from inside")
            return "sent"
        """
    )
    lam = aws.client("lambda")
    lam.update_function_configuration(FunctionName=fn.name, Runtime=runtime)
    queue = fn.queue_url.rsplit("/", 1)[-1]
    response = lam.invoke(FunctionName=fn.name, Payload=json.dumps({"queue": queue}).encode())
    assert response["Payload"].read() == b'"sent"', response.get("FunctionError")
    got = aws.client("sqs").receive_message(QueueUrl=fn.queue_url, WaitTimeSeconds=1)
    assert got["Messages"][0]["Body"] == "from inside"


# -- code and environment refused where AWS refuses them (docs/aws-behaviour.md, "Limits") -----

NOT_A_ZIP = "Could not unzip uploaded file. Please check your file, then try to upload again."


def _create(aws, deploy_role: str, **extra):
    return aws.client("lambda").create_function(
        FunctionName=f"fn-{uuid.uuid4().hex[:8]}",
        Runtime="python3.12",
        Role=deploy_role,
        Handler="handler.lambda_handler",
        **extra,
    )


@pytest.fixture
def role(aws) -> str:
    return aws.client("iam").create_role(
        RoleName=f"r-{uuid.uuid4().hex[:8]}", AssumeRolePolicyDocument="{}"
    )["Role"]["Arn"]


def test_code_that_is_not_a_zip_is_refused_at_create_and_update(aws, deploy, role) -> None:
    with pytest.raises(ClientError) as caught:
        _create(aws, role, Code={"ZipFile": b"not a zip"})
    assert caught.value.response["Error"]["Code"] == "InvalidParameterValueException"
    assert caught.value.response["Error"]["Message"] == NOT_A_ZIP
    fn = deploy(SUCCEEDING)
    with pytest.raises(ClientError) as caught:
        aws.client("lambda").update_function_code(FunctionName=fn.name, ZipFile=b"PK\x03\x04junk")
    assert caught.value.response["Error"]["Message"] == NOT_A_ZIP
    # the function keeps its code and still runs
    assert (
        aws.client("lambda").invoke(FunctionName=fn.name, Payload=b'{"key1": 7}')["Payload"].read()
        == b"7"
    )


def test_reserved_environment_keys_are_refused_at_create_and_update(aws, deploy, role) -> None:
    from .conftest import zip_source

    with pytest.raises(ClientError) as caught:
        _create(
            aws,
            role,
            Code={"ZipFile": zip_source(SUCCEEDING)},
            Environment={"Variables": {"AWS_REGION": "x", "MINE": "1", "AWS_ACCESS_KEY_ID": "k"}},
        )
    assert caught.value.response["Error"]["Code"] == "InvalidParameterValueException"
    assert caught.value.response["Error"]["Message"] == (
        "Lambda was unable to configure your environment variables because the environment "
        "variables you have provided contains reserved keys that are currently not supported for "
        "modification. Reserved keys used in this request: AWS_REGION, AWS_ACCESS_KEY_ID"
    )
    fn = deploy(SUCCEEDING, env={"TZ": "Europe/Paris", "MINE": "1"})  # TZ stays settable
    with pytest.raises(ClientError) as caught:
        aws.client("lambda").update_function_configuration(
            FunctionName=fn.name, Environment={"Variables": {"AWS_LAMBDA_FUNCTION_NAME": "x"}}
        )
    assert caught.value.response["Error"]["Message"].endswith(
        "Reserved keys used in this request: AWS_LAMBDA_FUNCTION_NAME"
    )
    variables = aws.client("lambda").get_function_configuration(FunctionName=fn.name)
    assert variables["Environment"]["Variables"] == {"TZ": "Europe/Paris", "MINE": "1"}


@pytest.mark.parametrize("payload", [b'{"k": "\xff\xfe"}', "{}".encode("utf-16")])
def test_a_payload_that_is_not_utf8_is_invalid_request_content(aws, deploy, payload) -> None:
    fn = deploy(SUCCEEDING)
    with pytest.raises(ClientError) as caught:
        aws.client("lambda").invoke(FunctionName=fn.name, InvocationType="Event", Payload=payload)
    error = caught.value.response
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert error["Error"]["Code"] == "InvalidRequestContentException"
    assert error["Error"]["Message"].startswith(
        "Could not parse request body into json: Could not parse payload into json: Invalid UTF-8"
    )
