"""Function settings moto drops but Terraform reads back (else every plan shows a change)."""

from __future__ import annotations

from .conftest import SUCCEEDING


def test_logging_kms_and_tracing_round_trip(aws, deploy) -> None:
    fn = deploy(SUCCEEDING)
    lam = aws.client("lambda")
    config = lam.get_function_configuration(FunctionName=fn.name)
    assert config["LoggingConfig"] == {"LogFormat": "Text", "LogGroup": f"/aws/lambda/{fn.name}"}
    key = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    lam.update_function_configuration(
        FunctionName=fn.name,
        KMSKeyArn=key,
        TracingConfig={"Mode": "Active"},
        LoggingConfig={
            "LogFormat": "JSON",
            "ApplicationLogLevel": "WARN",
            "SystemLogLevel": "INFO",
        },
    )
    config = lam.get_function_configuration(FunctionName=fn.name)
    assert config["KMSKeyArn"] == key
    assert config["TracingConfig"] == {"Mode": "Active"}
    assert config["LoggingConfig"] == {
        "LogFormat": "JSON",
        "ApplicationLogLevel": "WARN",
        "SystemLogLevel": "INFO",
        "LogGroup": f"/aws/lambda/{fn.name}",
    }
    lam.update_function_configuration(FunctionName=fn.name, LoggingConfig={"LogFormat": "Text"})
    assert lam.get_function_configuration(FunctionName=fn.name)["LoggingConfig"] == {
        "LogFormat": "Text",
        "LogGroup": f"/aws/lambda/{fn.name}",
    }


def test_a_custom_log_group_receives_the_logs(aws, deploy) -> None:
    fn = deploy(SUCCEEDING)
    lam = aws.client("lambda")
    aws.client("logs").create_log_group(logGroupName=f"/custom/{fn.name}")
    lam.update_function_configuration(
        FunctionName=fn.name, LoggingConfig={"LogGroup": f"/custom/{fn.name}"}
    )
    lam.invoke(FunctionName=fn.name, Payload=b'{"key1": "v"}')
    logs = aws.client("logs")
    (stream,) = logs.describe_log_streams(logGroupName=f"/custom/{fn.name}")["logStreams"]
    events = logs.get_log_events(
        logGroupName=f"/custom/{fn.name}", logStreamName=stream["logStreamName"]
    )["events"]
    assert "Lambda event: {'key1': 'v'}" in [e["message"] for e in events]
    default = aws.client("logs").describe_log_groups(logGroupNamePrefix=f"/aws/lambda/{fn.name}")
    assert default["logGroups"] == []  # nothing went to the default group
