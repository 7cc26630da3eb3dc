"""examples/s3-trigger: a new object under incoming/ invokes the failing function; without the
permission S3 refuses the bucket's notification configuration.

Every expected value is what AWS does (docs/aws-behaviour.md, Triggers that invoke
asynchronously: event shapes; Triggers that invoke asynchronously: refusals), so the module runs
unchanged on TARGET=aws.
"""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

from .conftest import assert_triggered_dead_letter, without_permission


def test_s3_trigger_failure_lands_in_the_function_dlq(
    s3_trigger, asyncdlq_trigger, asyncdlq_messages, asyncdlq_timeline
) -> None:
    out = s3_trigger.outputs
    # Letters, digits, '-', '.' and '/' only: S3 puts the key URL-encoded in its record.
    key = f"{out['filter_prefix']}order-3001.json"
    body = b'{"order": "o-3001"}'
    triggered = asyncdlq_trigger.s3(out["bucket"], key, body, out["function_name"])

    match = asyncdlq_messages.wait_for(out["dlq_url"], triggered)
    (dead,) = match.messages
    assert match.unexplained_duplicates == []  # a redelivery is reported, not failed
    # The dead letter's body is the event Lambda received: S3's record.
    (record,) = json.loads(dead.body)["Records"]
    assert record["eventSource"] == "aws:s3"
    assert record["eventName"].startswith("ObjectCreated:")
    s3 = record["s3"]
    assert s3["configurationId"] == "incoming-to-demo-lambda"  # the notification's id
    assert s3["bucket"]["name"] == out["bucket"]
    assert s3["bucket"]["arn"] == out["bucket_arn"]
    assert s3["object"]["key"] == key
    assert s3["object"]["size"] == len(body)

    assert_triggered_dead_letter(dead, triggered, out, asyncdlq_timeline)


def test_s3_trigger_without_permission_the_notification_is_refused(
    s3_trigger, asyncdlq_clients
) -> None:
    out = s3_trigger.outputs
    s3 = asyncdlq_clients.client("s3")
    configuration = s3.get_bucket_notification_configuration(Bucket=out["bucket"])
    configuration.pop("ResponseMetadata", None)
    (notified,) = configuration["LambdaFunctionConfigurations"]
    assert notified["LambdaFunctionArn"] == out["trigger_target_arn"]

    with without_permission(asyncdlq_clients.lambda_, out["trigger_permission"]):
        # S3 checks that it may invoke the function whenever the configuration is put.
        with pytest.raises(ClientError) as refused:
            s3.put_bucket_notification_configuration(
                Bucket=out["bucket"], NotificationConfiguration=configuration
            )
        error = refused.value.response["Error"]
        assert error["Code"] == "InvalidArgument"
        assert error["Message"] == "Unable to validate the following destination configurations"


def test_s3_trigger_plan_after_apply_is_empty(s3_trigger) -> None:
    assert s3_trigger.stack.plan_exit_code() == 0
