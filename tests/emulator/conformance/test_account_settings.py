"""GetAccountSettings and PutFunctionConcurrency against AWS's recorded answers and documented
defaults; and every Lambda operation answers JSON, never an HTML page.

Sources:
[API] localstack/localstack tests/aws/services/lambda_/test_lambda_api.snapshot.json (AWS
      recordings of 25-11-2025): TestLambdaAccountSettings::test_account_settings (the keys),
      ::test_account_settings_total_code_size (usage grows by the package size on create and on
      a published update), TestLambdaReservedConcurrency::test_function_concurrency_exceptions,
      ::test_function_concurrency_limits, ::test_function_concurrency.
[Q]   https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html (default quotas)
[RC]  https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html (100 stay
      unreserved).
"""

from __future__ import annotations

from typing import Any

import botocore.exceptions
import botocore.session
import pytest

from tests.emulator.conftest import Aws, zip_source

SOURCE = "def lambda_handler(event, context):\n    return event\n"


def error_of(call: Any, **kwargs: Any) -> tuple[int, dict[str, str]]:
    with pytest.raises(botocore.exceptions.ClientError) as err:
        call(**kwargs)
    return err.value.response["ResponseMetadata"]["HTTPStatusCode"], err.value.response["Error"]


class _RegionAws(Aws):
    """A region no other test uses: account-wide numbers are per region, as on AWS."""

    def __init__(self, endpoint_url: str, region: str) -> None:
        super().__init__(endpoint_url)
        self.region = region

    def client(self, service: str, config: Any = None) -> Any:
        import boto3

        return boto3.client(
            service,
            config=config,
            endpoint_url=self.endpoint_url,
            region_name=self.region,
            aws_access_key_id="test",
            aws_secret_access_key="test",
        )


@pytest.fixture
def settings_region(emulator: Any) -> _RegionAws:
    return _RegionAws(emulator.endpoint_url, "ap-southeast-4")


@pytest.fixture
def limits_region(emulator: Any) -> _RegionAws:
    return _RegionAws(emulator.endpoint_url, "me-central-1")


def create(aws: Aws, name: str) -> dict[str, Any]:
    iam = aws.client("iam")
    role = iam.create_role(RoleName=f"{name}-role", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    return aws.client("lambda").create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=role,
        Handler="handler.lambda_handler",
        Code={"ZipFile": zip_source(SOURCE)},
    )


def test_account_settings_keys_defaults_and_usage(settings_region: _RegionAws) -> None:
    fresh = settings_region
    lam = fresh.client("lambda")
    before = lam.get_account_settings()
    assert sorted(before["AccountLimit"]) == [  # [API] acc_settings_modded
        "CodeSizeUnzipped",
        "CodeSizeZipped",
        "ConcurrentExecutions",
        "TotalCodeSize",
        "UnreservedConcurrentExecutions",
    ]
    assert sorted(before["AccountUsage"]) == ["FunctionCount", "TotalCodeSize"]
    assert before["AccountLimit"] == {  # [Q]
        "TotalCodeSize": 80530636800,
        "CodeSizeUnzipped": 262144000,
        "CodeSizeZipped": 52428800,
        "ConcurrentExecutions": 1000,
        "UnreservedConcurrentExecutions": 1000,
    }
    assert before["AccountUsage"] == {"TotalCodeSize": 0, "FunctionCount": 0}
    fn = create(fresh, "usage")
    after = lam.get_account_settings()["AccountUsage"]
    assert after == {"TotalCodeSize": fn["CodeSize"], "FunctionCount": 1}
    lam.update_function_code(FunctionName="usage", ZipFile=zip_source(SOURCE), Publish=True)
    published = lam.get_account_settings()["AccountUsage"]["TotalCodeSize"]
    assert published == 2 * fn["CodeSize"]  # [API] total_code_size_diff_update_function
    lam.put_function_concurrency(FunctionName="usage", ReservedConcurrentExecutions=300)
    limits = lam.get_account_settings()["AccountLimit"]
    assert limits["UnreservedConcurrentExecutions"] == 700


def test_put_function_concurrency_rules(limits_region: _RegionAws) -> None:
    fresh = limits_region
    lam = fresh.client("lambda")
    fn = create(fresh, "reserved")
    # [API] put_function_concurrency_with_reserved_0 / _1, get_function_concurrency.
    for reserved in (0, 1):
        got = lam.put_function_concurrency(
            FunctionName="reserved", ReservedConcurrentExecutions=reserved
        )
        assert got["ReservedConcurrentExecutions"] == reserved
    assert (
        lam.get_function_concurrency(FunctionName="reserved")["ReservedConcurrentExecutions"] == 1
    )
    qualified = (
        "This operation is permitted on Lambda functions only. Aliases and versions do not "
        "support this operation. Please specify either a function name or an unqualified "
        "function ARN."
    )
    assert error_of(
        lam.put_function_concurrency,
        FunctionName=fn["FunctionArn"] + ":$LATEST",
        ReservedConcurrentExecutions=0,
    ) == (400, {"Code": "InvalidParameterValueException", "Message": qualified})
    missing = f"arn:aws:lambda:{fresh.region}:123456789012:function:doesnotexist:$LATEST"
    for reserved in (1, 0):
        assert error_of(
            lam.put_function_concurrency,
            FunctionName="doesnotexist",
            ReservedConcurrentExecutions=reserved,
        ) == (
            404,
            {"Code": "ResourceNotFoundException", "Message": f"Function not found: {missing}"},
        )
    below = (
        "Specified ReservedConcurrentExecutions for function decreases account's "
        "UnreservedConcurrentExecution below its minimum value of [100]."  # [RC]: 100
    )
    for reserved in (1001, 1000, 901):
        assert error_of(
            lam.put_function_concurrency,
            FunctionName="reserved",
            ReservedConcurrentExecutions=reserved,
        ) == (400, {"Code": "InvalidParameterValueException", "Message": below})
    assert (
        lam.put_function_concurrency(FunctionName="reserved", ReservedConcurrentExecutions=900)[
            "ReservedConcurrentExecutions"
        ]
        == 900
    )
    create(fresh, "other")
    assert (
        error_of(
            lam.put_function_concurrency, FunctionName="other", ReservedConcurrentExecutions=1
        )[1]["Message"]
        == below
    )
    lam.delete_function_concurrency(FunctionName="reserved")  # [API] delete_response
    got = lam.get_function_concurrency(FunctionName="reserved")
    assert "ReservedConcurrentExecutions" not in got  # get_function_concurrency_after_delete


def test_every_lambda_operation_answers_json(aws: Aws) -> None:
    """No operation in botocore's model answers an HTML page: an operation the emulator does not
    implement is an UnknownOperationException (Smithy's framework error, HTTP 404)."""
    lam = aws.client("lambda", botocore.config.Config(parameter_validation=False))
    model = botocore.session.get_session().get_service_model("lambda")
    for name in model.operation_names:
        op = model.operation_model(name)
        if op.has_event_stream_output or name in ("Invoke", "InvokeAsync"):
            continue
        kwargs = {
            m: _dummy(op.input_shape.members[m])
            for m in (op.input_shape.required_members if op.input_shape else [])
        }
        method = getattr(lam, botocore.xform_name(name))
        try:
            method(**kwargs)
        except botocore.exceptions.ClientError as err:
            error = err
            message = error.response["Error"].get("Message", "")
            assert "<html" not in message.lower() and "<!doctype" not in message.lower(), name
            assert error.response["Error"]["Code"] not in ("404", "500", "501"), (name, message)


def _dummy(shape: Any) -> Any:
    kind = shape.type_name
    if kind == "string":
        return "x" if "pattern" not in shape.metadata else "fn"
    if kind in ("integer", "long"):
        return 1
    if kind == "boolean":
        return True
    if kind == "blob":
        return b"x"
    if kind == "list":
        return []
    if kind in ("map", "structure"):
        return {}
    return "x"
