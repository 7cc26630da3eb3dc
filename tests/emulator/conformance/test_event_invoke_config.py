"""Event invoke configs against AWS's recorded answers: one config per version or alias, the
qualified FunctionArn, both destinations always present, and AWS's not-found texts.

Source of every expected value (AWS-validated snapshots, recorded 25-11-2025):
[API] localstack/localstack tests/aws/services/lambda_/test_lambda_api.snapshot.json,
      TestLambdaEventInvokeConfig::test_lambda_eventinvokeconfig_lifecycle (L) and
      ::test_lambda_eventinvokeconfig_exceptions (E);
[LMB] localstack/localstack tests/aws/services/lambda_/test_lambda.snapshot.json,
      TestLambdaConcurrency::test_reserved_concurrency, key "put_event_invoke_conf".
The recordings write the partition as <partition>; it is "aws" here.
"""

from __future__ import annotations

from typing import Any

import botocore.exceptions
import pytest
from botocore.config import Config

from asyncdlq.emulator.async_events import AsyncEvent
from tests.emulator.conformance.normalize import assert_matches, normalize

FN = "arn:aws:lambda:<region>:111111111111:function:<fn>"
NO_DESTINATIONS = {"OnFailure": {}, "OnSuccess": {}}


def config(qualifier: str, **settings: Any) -> dict[str, Any]:
    return {
        "DestinationConfig": settings.pop("DestinationConfig", NO_DESTINATIONS),
        "FunctionArn": f"{FN}:{qualifier}",
        "LastModified": "<timestamp>",
        **settings,
    }


@pytest.fixture
def lam(aws: Any) -> Any:
    # As the recording did: AWS, not the SDK, judges the request.
    return aws.client("lambda", Config(parameter_validation=False))


@pytest.fixture
def fn(deploy: Any) -> Any:
    return deploy("def lambda_handler(event, context):\n    return event\n", retries=None)


def seen(response: dict[str, Any], fn: Any) -> Any:
    return normalize(response, {fn.name: "<fn>"}, ("us-east-1",))


def error_of(call: Any, fn: Any, **kwargs: Any) -> tuple[int, Any]:
    with pytest.raises(botocore.exceptions.ClientError) as err:
        call(**kwargs)
    response = err.value.response
    return response["ResponseMetadata"]["HTTPStatusCode"], seen(response["Error"], fn)


def test_lifecycle_per_qualifier(lam: Any, fn: Any) -> None:
    # [API] L: put_invokeconfig_retries_0 .. list_paging_nolimit_postdelete.
    put = lam.put_function_event_invoke_config(FunctionName=fn.name, MaximumRetryAttempts=0)
    assert_matches(config("$LATEST", MaximumRetryAttempts=0), seen(put, fn))
    put = lam.put_function_event_invoke_config(FunctionName=fn.name, MaximumEventAgeInSeconds=60)
    assert_matches(config("$LATEST", MaximumEventAgeInSeconds=60), seen(put, fn))  # replaced
    update = lam.update_function_event_invoke_config(FunctionName=fn.name, MaximumRetryAttempts=1)
    merged = config("$LATEST", MaximumEventAgeInSeconds=60, MaximumRetryAttempts=1)
    assert_matches(merged, seen(update, fn))
    for kwargs in ({}, {"Qualifier": "$LATEST"}):
        got = lam.get_function_event_invoke_config(FunctionName=fn.name, **kwargs)
        assert_matches(merged, seen(got, fn))
    listed = lam.list_function_event_invoke_configs(FunctionName=fn.name)
    assert_matches({"FunctionEventInvokeConfigs": [merged]}, seen(listed, fn))

    version = lam.publish_version(FunctionName=fn.name)["Version"]
    status, error = error_of(
        lam.get_function_event_invoke_config, fn, FunctionName=fn.name, Qualifier=version
    )
    message = f"The function {FN}:1 doesn't have an EventInvokeConfig"
    assert (status, error) == (404, {"Code": "ResourceNotFoundException", "Message": message})
    put = lam.put_function_event_invoke_config(
        FunctionName=fn.name, Qualifier=version, MaximumEventAgeInSeconds=120
    )
    assert_matches(config("1", MaximumEventAgeInSeconds=120), seen(put, fn))
    got = lam.get_function_event_invoke_config(FunctionName=fn.name, Qualifier=version)
    assert_matches(config("1", MaximumEventAgeInSeconds=120), seen(got, fn))

    first = lam.list_function_event_invoke_configs(FunctionName=fn.name, MaxItems=1)
    rest = lam.list_function_event_invoke_configs(
        FunctionName=fn.name, MaxItems=1, Marker=first["NextMarker"]
    )
    arns = [c["FunctionArn"] for c in first["FunctionEventInvokeConfigs"]]
    arns += [c["FunctionArn"] for c in rest["FunctionEventInvokeConfigs"]]
    assert sorted(arns) == sorted([f"{fn.arn}:$LATEST", f"{fn.arn}:1"])

    lam.delete_function_event_invoke_config(FunctionName=fn.name)
    listed = lam.list_function_event_invoke_configs(FunctionName=fn.name)
    expected = {"FunctionEventInvokeConfigs": [config("1", MaximumEventAgeInSeconds=120)]}
    assert_matches(expected, seen(listed, fn))


def test_destinations_are_both_always_there(lam: Any, fn: Any) -> None:
    # [LMB] put_event_invoke_conf: only OnFailure set; [API] E put_destination_other_lambda:
    # only OnSuccess set; E put_destination_{success,failure}_no_destination_arn.
    only_failure = lam.put_function_event_invoke_config(
        FunctionName=fn.name,
        MaximumRetryAttempts=0,
        DestinationConfig={"OnFailure": {"Destination": fn.queue_arn}},
    )
    queue = "arn:aws:sqs:<region>:111111111111:<fn>-dlq"  # the recording: <resource:3>
    destinations = {"OnFailure": {"Destination": queue}, "OnSuccess": {}}
    expected = config("$LATEST", DestinationConfig=destinations, MaximumRetryAttempts=0)
    assert_matches(expected, seen(only_failure, fn))
    only_success = lam.put_function_event_invoke_config(
        FunctionName=fn.name, DestinationConfig={"OnSuccess": {"Destination": fn.queue_arn}}
    )
    destinations = {"OnFailure": {}, "OnSuccess": {"Destination": queue}}
    assert_matches(config("$LATEST", DestinationConfig=destinations), seen(only_success, fn))
    for empty in ({"OnSuccess": {}}, {"OnFailure": {}}):
        put = lam.put_function_event_invoke_config(FunctionName=fn.name, DestinationConfig=empty)
        assert_matches(config("$LATEST"), seen(put, fn))


def test_qualifiers_in_names_and_parameters(lam: Any, fn: Any) -> None:
    # [API] E put_destination_latest .. put_shorthand_qualifier_mismatch_3.
    version = lam.publish_version(FunctionName=fn.name)["Version"]
    alias = lam.create_alias(FunctionName=fn.name, Name="eventinvokealias", FunctionVersion=version)
    cases = [
        ({"FunctionName": fn.name}, "$LATEST"),
        ({"FunctionName": fn.name, "Qualifier": "$LATEST"}, "$LATEST"),
        ({"FunctionName": fn.name, "Qualifier": version}, "1"),
        ({"FunctionName": fn.name, "Qualifier": "eventinvokealias"}, "eventinvokealias"),
        ({"FunctionName": alias["AliasArn"]}, "eventinvokealias"),
        ({"FunctionName": alias["AliasArn"], "Qualifier": "eventinvokealias"}, "eventinvokealias"),
        ({"FunctionName": f"{fn.name}:eventinvokealias"}, "eventinvokealias"),
        ({"FunctionName": f"{fn.name}:{version}"}, "1"),
        ({"FunctionName": f"{fn.name}:$LATEST", "Qualifier": "$LATEST"}, "$LATEST"),
    ]
    for kwargs, qualifier in cases:
        put = lam.put_function_event_invoke_config(MaximumRetryAttempts=1, **kwargs)
        assert_matches(config(qualifier, MaximumRetryAttempts=1), seen(put, fn))
    conflict = {
        "Code": "InvalidParameterValueException",
        "Message": "The derived qualifier from the function name does not match the specified "
        "qualifier.",
    }
    for name, qualifier in (
        (alias["AliasArn"], "eventinvokealiasdoesnotexist"),
        (f"{fn.name}:eventinvokealias", "eventinvokealiasdoesnotexist"),
        (f"{fn.name}:{version}", "$LATEST"),
        (f"{fn.name}:$LATEST", version),
        (f"{fn.name}:{version}", "eventinvokealias"),
    ):
        status, error = error_of(
            lam.put_function_event_invoke_config,
            fn,
            FunctionName=name,
            Qualifier=qualifier,
            MaximumRetryAttempts=1,
        )
        assert (status, error) == (400, conflict)
    status, error = error_of(
        lam.put_function_event_invoke_config,
        fn,
        FunctionName=fn.name,
        Qualifier="eventinvokealiasdoesnotexist",
        MaximumRetryAttempts=1,
    )
    assert (status, error) == (
        404,
        {"Code": "ResourceNotFoundException", "Message": "The function doesn't exist."},
    )
    listed = lam.list_function_event_invoke_configs(FunctionName=fn.name)
    arns = sorted(c["FunctionArn"] for c in listed["FunctionEventInvokeConfigs"])
    assert arns == sorted(f"{fn.arn}:{q}" for q in ("$LATEST", "1", "eventinvokealias"))
    for qualifier in ("$LATEST", version, "eventinvokealias"):  # E delete_latest .. delete_alias
        deleted = lam.delete_function_event_invoke_config(FunctionName=fn.name, Qualifier=qualifier)
        assert deleted["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert (
        lam.list_function_event_invoke_configs(FunctionName=fn.name)["FunctionEventInvokeConfigs"]
        == []
    )


def test_missing_functions_and_configs(lam: Any, fn: Any) -> None:
    # [API] E put_functionname_*_notfound, put_functionname_nootherargs, delete_function_*,
    # list_function_doesnotexist, get_*_doesnotexist, update_eventinvokeconfig_*.
    missing = fn.arn.replace(fn.name, "doesnotexist")
    gone = {"Code": "ResourceNotFoundException", "Message": "The function doesn't exist."}

    def no_config(arn: str) -> dict[str, str]:
        message = f"The function {arn} doesn't have an EventInvokeConfig"
        return {"Code": "ResourceNotFoundException", "Message": message}

    lam_put = lam.put_function_event_invoke_config
    assert error_of(lam_put, fn, FunctionName="doesnotexist", MaximumRetryAttempts=1) == (404, gone)
    assert error_of(lam_put, fn, FunctionName=missing, MaximumRetryAttempts=1) == (404, gone)
    nothing = "You must specify at least one of error handling or destination setting."
    assert error_of(lam_put, fn, FunctionName="doesnotexist") == (
        400,
        {"Code": "InvalidParameterValueException", "Message": nothing},
    )
    doesnotexist = "arn:aws:lambda:<region>:111111111111:function:doesnotexist:$LATEST"
    for call in (lam.delete_function_event_invoke_config, lam.get_function_event_invoke_config):
        assert error_of(call, fn, FunctionName=fn.name) == (404, no_config(f"{FN}:$LATEST"))
        assert error_of(call, fn, FunctionName="doesnotexist") == (404, no_config(doesnotexist))
    assert error_of(
        lam.get_function_event_invoke_config, fn, FunctionName=fn.name, Qualifier="doesnotexist"
    ) == (404, no_config(f"{FN}:doesnotexist"))
    assert error_of(lam.list_function_event_invoke_configs, fn, FunctionName="doesnotexist") == (
        404,
        gone,
    )
    lam_update = lam.update_function_event_invoke_config
    assert error_of(lam_update, fn, FunctionName="doesnotexist", MaximumRetryAttempts=0) == (
        404,
        gone,
    )
    assert error_of(lam_update, fn, FunctionName=fn.arn, MaximumRetryAttempts=0) == (
        404,
        no_config(f"{FN}:$LATEST"),
    )


def test_each_qualifier_keeps_its_own_config_for_async_invokes(
    lam: Any, fn: Any, emulator: Any
) -> None:
    """What the engine reads for an event is the config of the qualifier the event names."""
    version = lam.publish_version(FunctionName=fn.name)["Version"]
    lam.put_function_event_invoke_config(FunctionName=fn.name, MaximumRetryAttempts=2)
    lam.put_function_event_invoke_config(
        FunctionName=fn.name, Qualifier=version, MaximumRetryAttempts=0
    )
    account = fn.arn.split(":")[4]
    lambdas = emulator.emulator.lambdas
    for qualifier, retries in (("$LATEST", 2), (version, 0)):
        event = AsyncEvent("r", account, "us-east-1", fn.name, qualifier, b"{}")
        resolved = lambdas.resolve(event)
        assert resolved is not None and resolved[1].maximum_retry_attempts == retries
