"""On-success / on-failure destinations with AWS's invocation record (docs/aws-behaviour.md,
Destinations and dead-letter targets), and delivery failures that drop the event and count it
(docs/aws-behaviour.md, Dead-letter queues). S3: docs/aws-behaviour.md, Destinations and dead-letter
targets."""

from __future__ import annotations

import json
import re
import time
from typing import Any

from .conftest import FAILING, SUCCEEDING
from .helpers import dlq_messages, invoke_event, wait_outcome


def _queue(aws, name: str) -> tuple[str, str]:
    sqs = aws.client("sqs")
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    return url, arn


def _destinations(
    aws, fn, retries: int, on_success: str | None = None, on_failure: str | None = None
) -> None:
    config: dict[str, Any] = {}
    if on_success:
        config["OnSuccess"] = {"Destination": on_success}
    if on_failure:
        config["OnFailure"] = {"Destination": on_failure}
    aws.client("lambda").put_function_event_invoke_config(
        FunctionName=fn.name, MaximumRetryAttempts=retries, DestinationConfig=config
    )


def test_on_success_record_to_sqs(aws, emulator, deploy) -> None:
    fn = deploy(SUCCEEDING)
    url, arn = _queue(aws, f"{fn.name}-ok")
    _destinations(aws, fn, 2, on_success=arn)
    request_id = invoke_event(aws, fn.name, b'{"key1": "value1"}')
    (message,) = dlq_messages(aws, url, 1)
    assert message.get("MessageAttributes") is None  # the record has no attributes
    record = json.loads(message["Body"])
    assert list(record) == [
        "version",
        "timestamp",
        "requestContext",
        "requestPayload",
        "responseContext",
        "responsePayload",
    ]
    assert record["version"] == "1.0"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", record["timestamp"])
    assert record["requestContext"] == {
        "requestId": request_id,
        "functionArn": f"{fn.arn}:$LATEST",
        "condition": "Success",
        "approximateInvokeCount": 1,
    }
    assert record["requestPayload"] == {"key1": "value1"}
    assert record["responseContext"] == {"statusCode": 200, "executedVersion": "$LATEST"}
    assert record["responsePayload"] == "value1"


def test_failure_goes_to_both_dlq_and_on_failure(aws, emulator, deploy) -> None:
    fn = deploy(FAILING)
    url, arn = _queue(aws, f"{fn.name}-failed")
    _destinations(aws, fn, 1, on_failure=arn)
    request_id = invoke_event(aws, fn.name, b'{"key1": "value1"}')
    (record_message,) = dlq_messages(aws, url, 1)
    (dlq_message,) = dlq_messages(aws, fn.queue_url, 1)
    assert dlq_message["MessageAttributes"]["RequestID"]["StringValue"] == request_id
    record = json.loads(record_message["Body"])
    assert record["requestContext"]["condition"] == "RetriesExhausted"
    assert record["requestContext"]["approximateInvokeCount"] == 2
    assert record["responseContext"] == {
        "statusCode": 200,
        "executedVersion": "$LATEST",
        "functionError": "Unhandled",
    }
    assert record["responsePayload"]["errorMessage"] == "Something went wrong"
    assert record["responsePayload"]["requestId"] == request_id


def test_on_failure_to_sns_and_to_another_function(aws, emulator, deploy) -> None:
    fn = deploy(FAILING)
    sink = deploy(SUCCEEDING.replace('return event["key1"]', "return event"))
    sns = aws.client("sns")
    topic = sns.create_topic(Name=f"{fn.name}-topic")["TopicArn"]
    url, queue_arn = _queue(aws, f"{fn.name}-topic-sink")
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)
    _destinations(aws, fn, 0, on_failure=topic)
    request_id = invoke_event(aws, fn.name, b"{}")
    (envelope,) = dlq_messages(aws, url, 1)
    record = json.loads(json.loads(envelope["Body"])["Message"])
    assert record["requestContext"]["requestId"] == request_id

    _destinations(aws, fn, 0, on_failure=sink.arn)
    request_id = invoke_event(aws, fn.name, b'{"key1": "x"}')
    wait_outcome(emulator, request_id)
    deadline = time.time() + 10
    while time.time() < deadline:
        hits = [e for e in emulator.emulator.engine.events() if e.function_name == sink.name]
        if hits and hits[0].outcome:
            break
        time.sleep(0.05)
    (invocation,) = hits
    assert json.loads(invocation.payload)["requestContext"]["requestId"] == request_id
    assert json.loads(invocation.attempts[0].payload)["requestPayload"] == {"key1": "x"}


def test_on_success_to_eventbridge(aws, emulator, deploy) -> None:
    fn = deploy(SUCCEEDING)
    events = aws.client("events")
    bus = events.create_event_bus(Name=f"{fn.name}-bus")["EventBusArn"]
    url, queue_arn = _queue(aws, f"{fn.name}-bus-sink")
    events.put_rule(
        Name="all", EventBusName=f"{fn.name}-bus", EventPattern=json.dumps({"source": ["lambda"]})
    )
    events.put_targets(
        Rule="all", EventBusName=f"{fn.name}-bus", Targets=[{"Id": "q", "Arn": queue_arn}]
    )
    _destinations(aws, fn, 0, on_success=bus)
    request_id = invoke_event(aws, fn.name, b'{"key1": "v"}')
    (message,) = dlq_messages(aws, url, 1)
    event = json.loads(message["Body"])
    assert event["source"] == "lambda"
    assert event["detail-type"] == "Lambda Function Invocation Result - Success"
    assert event["detail"]["requestContext"]["requestId"] == request_id
    # "The resource event field contains the function and destination ARNs" (docs/aws-behaviour.md,
    # Destinations and dead-letter targets).
    assert event["resources"] == [event["detail"]["requestContext"]["functionArn"], bus]


def _bucket(aws, fn) -> str:
    """A bucket the function's role may write records to; returns its ARN."""
    name = f"{fn.name}-failures"
    aws.client("s3").create_bucket(Bucket=name)
    # AWS documents s3:PutObject and s3:ListBucket for S3 destinations (docs/aws-behaviour.md,
    # Destinations and dead-letter targets).
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": ["s3:PutObject", "s3:ListBucket"],
                "Resource": [f"arn:aws:s3:::{name}", f"arn:aws:s3:::{name}/*"],
            }
        ],
    }
    aws.client("iam").put_role_policy(
        RoleName=f"{fn.name}-role", PolicyName="s3", PolicyDocument=json.dumps(policy)
    )
    return f"arn:aws:s3:::{name}"


def test_on_failure_record_to_s3(aws, emulator, deploy) -> None:
    fn = deploy(FAILING)
    bucket = _bucket(aws, fn)
    _destinations(aws, fn, 0, on_failure=bucket)
    request_id = invoke_event(aws, fn.name, b'{"key1": "value1"}')
    event = wait_outcome(emulator, request_id)
    assert [d["delivered"] for d in event.deliveries] == [True, True]  # the DLQ and the bucket
    s3 = aws.client("s3")
    (listed,) = s3.list_objects_v2(Bucket=bucket.split(":::")[1])["Contents"]
    key = listed["Key"]
    assert event.deliveries[1]["id"] == key
    record = json.loads(s3.get_object(Bucket=bucket.split(":::")[1], Key=key)["Body"].read())
    day = record["timestamp"][:10]
    moment = record["timestamp"][:19].replace(":", ".")
    assert re.fullmatch(
        rf"aws/lambda/async/{fn.name}/{day.replace('-', '/')}/{re.escape(moment)}-"
        r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
        key,
    )
    assert list(record) == [
        "version",
        "timestamp",
        "requestContext",
        "requestPayload",
        "responseContext",
        "responsePayload",
    ]
    assert record["requestContext"] == {
        "requestId": request_id,
        "functionArn": f"{fn.arn}:$LATEST",
        "condition": "RetriesExhausted",
        "approximateInvokeCount": 1,
    }
    assert record["requestPayload"] == {"key1": "value1"}
    assert record["responseContext"]["functionError"] == "Unhandled"
    assert record["responsePayload"]["errorMessage"] == "Something went wrong"
    assert emulator.emulator.engine.counters[f"{fn.name}:DestinationDeliveryFailures"] == 0


def test_s3_is_refused_as_an_on_success_destination(aws, deploy) -> None:
    from botocore.exceptions import ClientError

    fn = deploy(SUCCEEDING)
    bucket = _bucket(aws, fn)
    try:
        _destinations(aws, fn, 0, on_success=bucket)
    except ClientError as caught:
        error = caught.response["Error"]
    else:
        raise AssertionError("an S3 on-success destination was accepted")
    assert error["Code"] == "InvalidParameterValueException"
    assert error["Message"] == (
        f"The provided destination config DestinationConfig(onSuccess=OnSuccess(destination="
        f"{bucket}), onFailure=null) is invalid."
    )


def test_a_deleted_bucket_drops_the_record_and_counts_it(aws, emulator, deploy) -> None:
    fn = deploy(FAILING, retries=0)
    bucket = _bucket(aws, fn)
    _destinations(aws, fn, 0, on_failure=bucket)
    aws.client("s3").delete_bucket(Bucket=bucket.split(":::")[1])
    request_id = invoke_event(aws, fn.name, b"{}")
    event = wait_outcome(emulator, request_id)
    assert [d["delivered"] for d in event.deliveries] == [True, False]
    assert emulator.emulator.engine.counters[f"{fn.name}:DestinationDeliveryFailures"] == 1


def test_a_deleted_dlq_drops_the_event_and_counts_it(aws, emulator, deploy) -> None:
    fn = deploy(FAILING, retries=0)
    aws.client("sqs").delete_queue(QueueUrl=fn.queue_url)
    request_id = invoke_event(aws, fn.name, b"{}")
    event = wait_outcome(emulator, request_id)
    assert event.outcome == "RetriesExhausted"
    assert event.deliveries[0]["delivered"] is False
    assert emulator.emulator.engine.counters[f"{fn.name}:DeadLetterErrors"] == 1
    stats = aws.client("cloudwatch").get_metric_statistics(
        Namespace="AWS/Lambda",
        MetricName="DeadLetterErrors",
        Dimensions=[{"Name": "FunctionName", "Value": fn.name}],
        StartTime=time.time() - 600,
        EndTime=time.time() + 60,
        Period=60,
        Statistics=["Sum"],
    )
    assert sum(p["Sum"] for p in stats["Datapoints"]) == 1


def test_a_removed_permission_drops_the_record_and_counts_it(aws, emulator, deploy) -> None:
    fn = deploy(FAILING, retries=0)
    url, arn = _queue(aws, f"{fn.name}-failed")
    _destinations(aws, fn, 0, on_failure=arn)
    aws.client("iam").delete_role_policy(RoleName=f"{fn.name}-role", PolicyName="deliver")
    request_id = invoke_event(aws, fn.name, b"{}")
    event = wait_outcome(emulator, request_id)
    assert event.outcome == "RetriesExhausted"
    assert [d["delivered"] for d in event.deliveries] == [False, False]  # DLQ and on-failure
    counters = emulator.emulator.engine.counters
    assert counters[f"{fn.name}:DeadLetterErrors"] == 1
    assert counters[f"{fn.name}:DestinationDeliveryFailures"] == 1
    assert dlq_messages(aws, url, 1, timeout_s=1) == []
    assert dlq_messages(aws, fn.queue_url, 1, timeout_s=1) == []


def test_moto_reset_over_http_forgets_queued_events(aws, emulator, deploy) -> None:
    import urllib.request

    fn = deploy(FAILING, retries=2)
    invoke_event(aws, fn.name, b"{}")
    request = urllib.request.Request(f"{aws.endpoint_url}/moto-api/reset", method="POST")
    with urllib.request.urlopen(request, timeout=5) as response:
        assert response.status == 200
    assert emulator.emulator.engine.events() == []
