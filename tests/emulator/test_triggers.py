"""SNS, EventBridge and S3 invoke functions through the async pipeline, with their event shapes,
only as the function's resource-based policy allows (docs/aws-behaviour.md, Triggers that invoke
asynchronously; Resource-based permissions for triggers), through real boto3."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from .conftest import FAILING
from .helpers import dlq_messages, log_messages
from .trigger_helpers import allow, events_of, let_send, queue, refusals

# -- SNS --------------------------------------------------------------------------------------


def _topic(aws, fn, name: str) -> tuple[str, str]:
    sns = aws.client("sns")
    topic = sns.create_topic(Name=name)["TopicArn"]
    sub = sns.subscribe(TopicArn=topic, Protocol="lambda", Endpoint=fn.arn)["SubscriptionArn"]
    return topic, sub


def test_sns_publish_runs_three_attempts_then_the_functions_dlq(aws, emulator, deploy) -> None:
    fn = deploy(FAILING)
    topic, sub = _topic(aws, fn, f"{fn.name}-t")
    allow(aws, fn, "sns", topic)
    sent = aws.client("sns").publish(
        TopicArn=topic,
        Message="hello",
        Subject="greeting",
        MessageAttributes={"n": {"DataType": "Number", "StringValue": "7"}},
    )
    (event,) = events_of(emulator, fn.name, 1)
    assert len(event.attempts) == 3 and event.outcome == "RetriesExhausted"
    assert event.source.service == "sns" and event.source.ids["message_id"] == sent["MessageId"]
    (message,) = dlq_messages(aws, fn.queue_url, 1)
    body = json.loads(message["Body"])
    (record,) = body["Records"]
    assert record["EventSource"] == "aws:sns" and record["EventSubscriptionArn"] == sub
    assert record["Sns"]["MessageId"] == sent["MessageId"]
    assert record["Sns"]["TopicArn"] == topic
    assert record["Sns"]["Message"] == "hello" and record["Sns"]["Subject"] == "greeting"
    assert record["Sns"]["MessageAttributes"] == {"n": {"Type": "Number", "Value": "7"}}
    assert message["MessageAttributes"]["RequestID"]["StringValue"] == event.request_id


def test_sns_without_permission_never_invokes_and_redrives_to_the_subscription_dlq(
    aws, emulator, deploy
) -> None:
    fn = deploy(FAILING)
    topic, sub = _topic(aws, fn, f"{fn.name}-t")
    redrive_url, redrive_arn = queue(aws, f"{fn.name}-redrive")
    let_send(aws, redrive_url, redrive_arn, "sns", topic)
    aws.client("sns").set_subscription_attributes(
        SubscriptionArn=sub,
        AttributeName="RedrivePolicy",
        AttributeValue=json.dumps({"deadLetterTargetArn": redrive_arn}),
    )
    sent = aws.client("sns").publish(TopicArn=topic, Message="hello")
    assert sent["MessageId"]  # Publish succeeds whatever the delivery does
    (message,) = dlq_messages(aws, redrive_url, 1)
    envelope = json.loads(message["Body"])
    assert envelope["Type"] == "Notification" and envelope["MessageId"] == sent["MessageId"]
    assert envelope["Message"] == "hello" and envelope["TopicArn"] == topic
    assert not message.get("MessageAttributes")  # SNS adds none
    (refusal,) = refusals(emulator, fn.arn)
    assert f"no permission for sns.amazonaws.com from {topic}" in refusal.reason
    assert refusal.then == f"sent to the subscription's dead-letter queue {redrive_arn}"
    assert [e for e in emulator.emulator.engine.events() if e.function_name == fn.name] == []
    assert dlq_messages(aws, fn.queue_url, 1, timeout_s=1) == []
    with pytest.raises(ClientError):  # no log group: the function never ran
        log_messages(aws, fn.name)


# -- EventBridge ------------------------------------------------------------------------------


def _rule(aws, fn, name: str, **target: Any) -> str:
    events = aws.client("events")
    rule = events.put_rule(Name=name, EventPattern=json.dumps({"source": ["my.app"]}))["RuleArn"]
    events.put_targets(Rule=name, Targets=[{"Id": "fn", "Arn": fn.arn, **target}])
    return rule


def _put(aws, detail: dict[str, Any], source: str = "my.app") -> str:
    answer = aws.client("events").put_events(
        Entries=[{"Source": source, "DetailType": "thing", "Detail": json.dumps(detail)}]
    )
    assert answer["FailedEntryCount"] == 0
    return answer["Entries"][0]["EventId"]


def test_eventbridge_put_events_runs_three_attempts_then_the_dlq(aws, emulator, deploy) -> None:
    fn = deploy(FAILING)
    rule = _rule(aws, fn, f"{fn.name}-r")
    allow(aws, fn, "events", rule)
    _put(aws, {"n": 1}, source="other.app")  # does not match the rule
    event_id = _put(aws, {"n": 2})
    (event,) = events_of(emulator, fn.name, 1)
    assert len(event.attempts) == 3 and event.source.ids["event_id"] == event_id
    (message,) = dlq_messages(aws, fn.queue_url, 1)
    body = json.loads(message["Body"])
    assert list(body) == [
        "version",
        "id",
        "detail-type",
        "source",
        "account",
        "time",
        "region",
        "resources",
        "detail",
    ]
    assert body["id"] == event_id and body["detail"] == {"n": 2} and body["source"] == "my.app"


def test_eventbridge_input_path_is_what_the_function_receives(aws, emulator, deploy) -> None:
    fn = deploy(FAILING)
    rule = _rule(aws, fn, f"{fn.name}-r", InputPath="$.detail")
    allow(aws, fn, "events", rule)
    _put(aws, {"n": 3})
    (message,) = dlq_messages(aws, fn.queue_url, 1)
    assert json.loads(message["Body"]) == {"n": 3}


def test_eventbridge_without_permission_goes_to_the_target_dlq_unretried(
    aws, emulator, deploy
) -> None:
    fn = deploy(FAILING)
    dlq_url, dlq_arn = queue(aws, f"{fn.name}-target-dlq")
    rule = _rule(
        aws,
        fn,
        f"{fn.name}-r",
        DeadLetterConfig={"Arn": dlq_arn},
        RetryPolicy={"MaximumRetryAttempts": 5, "MaximumEventAgeInSeconds": 600},
    )
    let_send(aws, dlq_url, dlq_arn, "events", rule)
    event_id = _put(aws, {"n": 4})
    (message,) = dlq_messages(aws, dlq_url, 1)
    body = json.loads(message["Body"])
    assert body["id"] == event_id and body["detail"] == {"n": 4}
    attributes = {k: v["StringValue"] for k, v in message["MessageAttributes"].items()}
    assert attributes["RULE_ARN"] == rule and attributes["TARGET_ARN"] == fn.arn
    assert attributes["ERROR_CODE"] == "NO_PERMISSIONS" and attributes["RETRY_ATTEMPTS"] == "0"
    assert "events.amazonaws.com" in attributes["ERROR_MESSAGE"]
    (refusal,) = refusals(emulator, fn.arn)
    assert refusal.source.source_arn == rule
    assert [e for e in emulator.emulator.engine.events() if e.function_name == fn.name] == []


# -- S3 ---------------------------------------------------------------------------------------


def _notify(aws, bucket: str, fn, prefix: str = "") -> None:
    config: dict[str, Any] = {
        "LambdaFunctionArn": fn.arn,
        "Events": ["s3:ObjectCreated:*"],
        "Id": "to-fn",
    }
    if prefix:
        config["Filter"] = {"Key": {"FilterRules": [{"Name": "prefix", "Value": prefix}]}}
    aws.client("s3").put_bucket_notification_configuration(
        Bucket=bucket, NotificationConfiguration={"LambdaFunctionConfigurations": [config]}
    )


def test_s3_put_object_runs_three_attempts_then_the_dlq(aws, emulator, deploy) -> None:
    fn = deploy(FAILING)
    bucket = f"{fn.name}-bucket"
    s3 = aws.client("s3")
    s3.create_bucket(Bucket=bucket)
    allow(aws, fn, "s3", f"arn:aws:s3:::{bucket}")
    _notify(aws, bucket, fn, prefix="in/")
    s3.put_object(Bucket=bucket, Key="out/skipped.txt", Body=b"x")
    s3.put_object(Bucket=bucket, Key="in/a b.txt", Body=b"hello")
    (event,) = events_of(emulator, fn.name, 1)
    assert len(event.attempts) == 3
    assert event.source.ids == {
        "bucket": bucket,
        "key": "in/a b.txt",
        "event_name": "ObjectCreated:Put",
    }
    (message,) = dlq_messages(aws, fn.queue_url, 1)
    (record,) = json.loads(message["Body"])["Records"]
    assert record["eventSource"] == "aws:s3" and record["eventName"] == "ObjectCreated:Put"
    assert record["s3"]["configurationId"] == "to-fn"
    assert record["s3"]["bucket"]["name"] == bucket
    assert record["s3"]["object"]["key"] == "in/a+b.txt" and record["s3"]["object"]["size"] == 5


def test_s3_notification_without_permission_is_refused_as_aws_refuses_it(
    aws, emulator, deploy
) -> None:
    fn = deploy(FAILING)
    bucket = f"{fn.name}-bucket"
    aws.client("s3").create_bucket(Bucket=bucket)
    with pytest.raises(ClientError) as caught:
        _notify(aws, bucket, fn)
    error = caught.value.response["Error"]
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert error["Code"] == "InvalidArgument"
    assert error["Message"] == "Unable to validate the following destination configurations"
    assert error["ArgumentName1"] == f"{fn.arn}, null"
    assert error["ArgumentValue1"] == f"Not authorized to invoke function [{fn.arn}]"
    config = aws.client("s3").get_bucket_notification_configuration(Bucket=bucket)
    assert "LambdaFunctionConfigurations" not in config
