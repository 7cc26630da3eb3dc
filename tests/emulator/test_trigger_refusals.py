"""What each source does around a delivery, through real boto3: the metrics it counts, what it does
not deliver (disabled rules, filter policies), what Lambda refuses it (a deleted function, an
undeliverable input), and what introspection shows (docs/aws-behaviour.md, Triggers that invoke
asynchronously: refusals)."""

from __future__ import annotations

import json
import time
import urllib.request
from typing import Any

from .conftest import FAILING
from .helpers import dlq_messages
from .trigger_helpers import allow, events_of, let_send, metric_sum, queue, refusals


def _topic(aws, fn) -> tuple[str, str]:
    sns = aws.client("sns")
    topic = sns.create_topic(Name=f"{fn.name}-t")["TopicArn"]
    sub = sns.subscribe(TopicArn=topic, Protocol="lambda", Endpoint=fn.arn)["SubscriptionArn"]
    return topic, sub


def _rule(aws, fn, **target: Any) -> str:
    events = aws.client("events")
    pattern = json.dumps({"source": [f"src.{fn.name}"]})
    rule = events.put_rule(Name=f"{fn.name}-r", EventPattern=pattern)["RuleArn"]
    events.put_targets(Rule=f"{fn.name}-r", Targets=[{"Id": "fn", "Arn": fn.arn, **target}])
    return rule


def _put(aws, fn, detail: dict[str, Any]) -> str:
    answer = aws.client("events").put_events(
        Entries=[{"Source": f"src.{fn.name}", "DetailType": "t", "Detail": json.dumps(detail)}]
    )
    assert answer["FailedEntryCount"] == 0  # ingestion only: delivery comes after
    return answer["Entries"][0]["EventId"]


def test_an_sns_refusal_counts_failed_and_redriven(aws, emulator, deploy) -> None:
    fn = deploy(FAILING)
    topic, sub = _topic(aws, fn)
    redrive_url, redrive_arn = queue(aws, f"{fn.name}-redrive")
    let_send(aws, redrive_url, redrive_arn, "sns", topic)
    aws.client("sns").set_subscription_attributes(
        SubscriptionArn=sub,
        AttributeName="RedrivePolicy",
        AttributeValue=json.dumps({"deadLetterTargetArn": redrive_arn}),
    )
    aws.client("sns").publish(TopicArn=topic, Message="m")
    name = ("TopicName", topic.rsplit(":", 1)[1])
    assert metric_sum(aws, "AWS/SNS", "NumberOfNotificationsFailed", name) == 1
    assert metric_sum(aws, "AWS/SNS", "NumberOfNotificationsRedrivenToDlq", name) == 1


def test_a_redrive_queue_whose_policy_does_not_let_sns_send_gets_nothing(
    aws, emulator, deploy
) -> None:
    fn = deploy(FAILING)
    topic, sub = _topic(aws, fn)
    redrive_url, redrive_arn = queue(aws, f"{fn.name}-redrive")  # no queue policy
    aws.client("sns").set_subscription_attributes(
        SubscriptionArn=sub,
        AttributeName="RedrivePolicy",
        AttributeValue=json.dumps({"deadLetterTargetArn": redrive_arn}),
    )
    aws.client("sns").publish(TopicArn=topic, Message="m")
    assert dlq_messages(aws, redrive_url, 1, timeout_s=1) == []
    (refusal,) = refusals(emulator, fn.arn)
    assert refusal.then.startswith(f"dropped: the redrive to {redrive_arn} failed: no permission")
    assert (
        "sqs:SendMessage" in refusal.then
        and "the queue has no resource-based policy" in refusal.then
    )
    name = ("TopicName", topic.rsplit(":", 1)[1])
    assert metric_sum(aws, "AWS/SNS", "NumberOfNotificationsFailedToRedriveToDlq", name) == 1


def test_a_target_dlq_that_lets_another_rule_send_gets_nothing(aws, emulator, deploy) -> None:
    fn = deploy(FAILING, retries=0)
    dlq_url, dlq_arn = queue(aws, f"{fn.name}-target-dlq")
    rule = _rule(aws, fn, DeadLetterConfig={"Arn": dlq_arn})
    let_send(aws, dlq_url, dlq_arn, "events", rule + "-other")
    _put(aws, fn, {"n": 1})
    assert dlq_messages(aws, dlq_url, 1, timeout_s=1) == []
    rule_name = ("RuleName", rule.rsplit("/", 1)[1])
    assert metric_sum(aws, "AWS/Events", "InvocationsFailedToBeSentToDlq", rule_name) == 1


def test_an_sns_refusal_without_redrive_is_dropped(aws, emulator, deploy) -> None:
    fn = deploy(FAILING)
    topic, _ = _topic(aws, fn)
    aws.client("sns").publish(TopicArn=topic, Message="m")
    (refusal,) = refusals(emulator, fn.arn)
    assert refusal.then == "dropped: the subscription has no redrive policy (dead-letter queue)"


def test_an_sns_filter_policy_keeps_the_message_from_the_function(aws, emulator, deploy) -> None:
    fn = deploy(FAILING, retries=0)
    topic, sub = _topic(aws, fn)
    allow(aws, fn, "sns", topic)
    aws.client("sns").set_subscription_attributes(
        SubscriptionArn=sub,
        AttributeName="FilterPolicy",
        AttributeValue=json.dumps({"kind": ["order"]}),
    )
    sns = aws.client("sns")
    sns.publish(
        TopicArn=topic,
        Message="skipped",
        MessageAttributes={"kind": {"DataType": "String", "StringValue": "refund"}},
    )
    sent = sns.publish(
        TopicArn=topic,
        Message="taken",
        MessageAttributes={"kind": {"DataType": "String", "StringValue": "order"}},
    )
    (event,) = events_of(emulator, fn.name, 1)
    assert event.source.ids["message_id"] == sent["MessageId"]
    time.sleep(0.3)
    assert len([e for e in emulator.emulator.engine.events() if e.function_name == fn.name]) == 1


def test_an_eventbridge_delivery_counts_invocations_and_a_refusal_failed_and_dlq(
    aws, emulator, deploy
) -> None:
    fn = deploy(FAILING, retries=0)
    dlq_url, dlq_arn = queue(aws, f"{fn.name}-target-dlq")
    rule = _rule(aws, fn, DeadLetterConfig={"Arn": dlq_arn})
    let_send(aws, dlq_url, dlq_arn, "events", rule)
    rule_name = ("RuleName", rule.rsplit("/", 1)[1])
    _put(aws, fn, {"n": 1})  # refused: no permission yet
    allow(aws, fn, "events", rule)
    _put(aws, fn, {"n": 2})
    events_of(emulator, fn.name, 1)
    assert metric_sum(aws, "AWS/Events", "Invocations", rule_name) == 2
    assert metric_sum(aws, "AWS/Events", "FailedInvocations", rule_name) == 1
    assert metric_sum(aws, "AWS/Events", "InvocationsSentToDlq", rule_name) == 1


def test_a_disabled_rule_delivers_nothing(aws, emulator, deploy) -> None:
    fn = deploy(FAILING, retries=0)
    rule = _rule(aws, fn)
    allow(aws, fn, "events", rule)
    aws.client("events").disable_rule(Name=f"{fn.name}-r")
    _put(aws, fn, {"n": 1})
    aws.client("events").enable_rule(Name=f"{fn.name}-r")
    event_id = _put(aws, fn, {"n": 2})
    (event,) = events_of(emulator, fn.name, 1)
    assert event.source.ids["event_id"] == event_id


def test_a_deleted_function_is_no_resource_in_the_target_dlq(aws, emulator, deploy) -> None:
    fn = deploy(FAILING, retries=0)
    dlq_url, dlq_arn = queue(aws, f"{fn.name}-target-dlq")
    rule = _rule(aws, fn, DeadLetterConfig={"Arn": dlq_arn})
    let_send(aws, dlq_url, dlq_arn, "events", rule)
    aws.client("lambda").delete_function(FunctionName=fn.name)
    _put(aws, fn, {"n": 1})
    (message,) = dlq_messages(aws, dlq_url, 1)
    assert message["MessageAttributes"]["ERROR_CODE"]["StringValue"] == "NO_RESOURCE"


def test_an_undeliverable_transformed_input_goes_to_the_target_dlq(aws, emulator, deploy) -> None:
    fn = deploy(FAILING, retries=0)
    dlq_url, dlq_arn = queue(aws, f"{fn.name}-target-dlq")
    transformer = {"InputPathsMap": {"d": "$.detail"}, "InputTemplate": '{"text": "<d>"}'}
    rule = _rule(aws, fn, DeadLetterConfig={"Arn": dlq_arn}, InputTransformer=transformer)
    let_send(aws, dlq_url, dlq_arn, "events", rule)
    allow(aws, fn, "events", rule)
    event_id = _put(aws, fn, {"n": 1})  # an object inside a JSON string: not deliverable
    (message,) = dlq_messages(aws, dlq_url, 1)
    assert json.loads(message["Body"])["id"] == event_id
    assert message["MessageAttributes"]["ERROR_CODE"]["StringValue"] == "INVALID_JSON"
    assert [e for e in emulator.emulator.engine.events() if e.function_name == fn.name] == []


def test_an_s3_event_on_a_versioned_bucket_names_the_version(aws, emulator, deploy) -> None:
    fn = deploy(FAILING, retries=0)
    bucket, s3 = f"{fn.name}-b", aws.client("s3")
    s3.create_bucket(Bucket=bucket)
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    allow(aws, fn, "s3", f"arn:aws:s3:::{bucket}")
    s3.put_bucket_notification_configuration(
        Bucket=bucket,
        NotificationConfiguration={
            "LambdaFunctionConfigurations": [
                {"LambdaFunctionArn": fn.arn, "Events": ["s3:ObjectCreated:*"]}
            ]
        },
    )
    version = s3.put_object(Bucket=bucket, Key="k", Body=b"x")["VersionId"]
    (message,) = dlq_messages(aws, fn.queue_url, 1)
    obj = json.loads(message["Body"])["Records"][0]["s3"]["object"]
    assert obj["versionId"] == version and obj["key"] == "k"


def test_a_permission_removed_after_the_notification_refuses_later_objects(
    aws, emulator, deploy
) -> None:
    fn = deploy(FAILING, retries=0)
    bucket, s3 = f"{fn.name}-b", aws.client("s3")
    s3.create_bucket(Bucket=bucket)
    allow(aws, fn, "s3", f"arn:aws:s3:::{bucket}")
    s3.put_bucket_notification_configuration(
        Bucket=bucket,
        NotificationConfiguration={
            "LambdaFunctionConfigurations": [
                {"LambdaFunctionArn": fn.arn, "Events": ["s3:ObjectCreated:*"]}
            ]
        },
    )
    aws.client("lambda").remove_permission(FunctionName=fn.name, StatementId="trigger")
    s3.put_object(Bucket=bucket, Key="late.txt", Body=b"x")
    (refusal,) = refusals(emulator, fn.arn)
    assert refusal.source.ids["key"] == "late.txt" and "s3.amazonaws.com" in refusal.reason


def test_introspection_shows_sources_and_refusals_and_reset_clears_them(
    aws, emulator, deploy
) -> None:
    fn = deploy(FAILING, retries=0)
    topic, _ = _topic(aws, fn)
    aws.client("sns").publish(TopicArn=topic, Message="refused")
    allow(aws, fn, "sns", topic)
    sent = aws.client("sns").publish(TopicArn=topic, Message="taken")
    events_of(emulator, fn.name, 1)
    with urllib.request.urlopen(f"{emulator.endpoint_url}/_asyncdlq/invocations") as response:
        body = json.load(response)
    (mine,) = [i for i in body["invocations"] if i["function_name"] == fn.name]
    assert mine["source"]["service"] == "sns"
    assert mine["source"]["message_id"] == sent["MessageId"]
    assert mine["source"]["source_arn"] == topic
    (refused,) = [r for r in body["refused"] if r["function_arn"] == fn.arn]
    assert refused["source"]["source_arn"] == topic and "sns.amazonaws.com" in refused["reason"]
    emulator.emulator.reset()
    assert refusals(emulator, fn.arn) == []
