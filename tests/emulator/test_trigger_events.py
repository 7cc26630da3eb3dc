"""The events SNS, EventBridge and S3 hand a function, against responses recorded on AWS.

Recordings (values AWS answered), cited per test:
- LS = repo localstack/localstack @ 8b9a79f05846835cf4dff63ab7eefdde9df83783.
Placeholders such as <uuid:1> in a recording are LocalStack's; the expected data here uses our
own values in their place and keeps every other value, key and key order as recorded.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest

from asyncdlq.emulator.trigger_events import (
    InputTemplateError,
    eventbridge_event,
    eventbridge_target_input,
    s3_event_matches,
    s3_object_event,
    sns_event,
)
from tests.emulator.conformance.normalize import assert_matches, normalize

WHEN = dt.datetime(2019, 8, 20, 18, 47, 13, 322000, tzinfo=dt.timezone.utc)
TOPIC = "arn:aws:sns:us-east-1:123412341234:LambdaTesting"
SUB = TOPIC + ":12b6a0a7-bbbb-ffff-cccc-7a7d21e25123"


def test_sns_event_keys_order_and_null_subject() -> None:
    # LS tests/aws/services/sns/test_sns.snapshot.json,
    # "TestSNSSubscriptionLambda::test_sns_topic_as_lambda_dead_letter_queue" (the Records the
    # function got): Subject null, MessageAttributes {}, SignatureVersion "1", EventVersion "1.0".
    # Key order: recorded events in https://gist.github.com/mikegrima/e4e754ccf22b1aa45ed9a6e18a063ee3
    # and repo serverless/event-mocks lib/events/aws/sns-template.json.
    expected = {
        "Records": [
            {
                "EventSource": "aws:sns",
                "EventVersion": "1.0",
                "EventSubscriptionArn": SUB,
                "Sns": {
                    "Type": "Notification",
                    "MessageId": "95df01b4-ee98-5cb9-9903-4c221d41eb5e",
                    "TopicArn": TOPIC,
                    "Subject": None,
                    "Message": '{"raise_error": 1}',
                    "Timestamp": "2019-08-20T18:47:13.322Z",
                    "SignatureVersion": "1",
                    "Signature": "EXAMPLE",
                    "SigningCertUrl": "https://sns.us-east-1.amazonaws.com/"
                    "SimpleNotificationService-emulator.pem",
                    "UnsubscribeUrl": "https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe"
                    f"&SubscriptionArn={SUB}",
                    "MessageAttributes": {},
                },
            }
        ]
    }
    actual = sns_event(
        subscription_arn=SUB,
        topic_arn=TOPIC,
        message_id="95df01b4-ee98-5cb9-9903-4c221d41eb5e",
        message='{"raise_error": 1}',
        timestamp=WHEN,
    )
    assert_matches(normalize(expected), normalize(actual))
    assert json.dumps(actual) == json.dumps(expected)  # key order too
    assert actual["Records"][0]["Sns"]["Timestamp"] == "2019-08-20T18:47:13.322Z"


def test_sns_message_attributes_type_value_form() -> None:
    # LS test_sns.snapshot.json, same key: attribute {"Type": "Number", "Value": "200"} and
    # {"Type": "String", "Value": ...}.
    actual = sns_event(
        subscription_arn=SUB,
        topic_arn=TOPIC,
        message_id="m",
        message="x",
        timestamp=WHEN,
        subject="[Subject] Test subject",
        message_attributes={
            "ErrorCode": {"DataType": "Number", "StringValue": "200"},
            "ErrorMessage": {"DataType": "String", "StringValue": "boom"},
        },
    )["Records"][0]["Sns"]
    assert actual["Subject"] == "[Subject] Test subject"
    assert actual["MessageAttributes"] == {
        "ErrorCode": {"Type": "Number", "Value": "200"},
        "ErrorMessage": {"Type": "String", "Value": "boom"},
    }


DETAIL = {"command": "update-account", "payload": {"acc_id": "0a787ecb-4015", "sf_id": "baz"}}
SPECIAL = {**DETAIL, "listsingle": ["HIGH"], "listmulti": ["ACTIVE", "INACTIVE"], "valid": True}


def envelope(detail: object) -> dict:
    return eventbridge_event(
        event_id="6a7e8feb-b491-4cf7-a9f1-bf3703467718",
        detail_type="core.update-account-command",
        source="core.update-account-command",
        account="111111111111",
        time=dt.datetime(2024, 4, 8, 17, 32, 58, tzinfo=dt.timezone.utc),
        region="us-east-1",
        resources=None,
        detail=detail,
    )


def test_eventbridge_envelope() -> None:
    # LS tests/aws/services/events/test_events_targets.snapshot.json,
    # "test_put_events_with_target_lambda_list_entry": the event the Lambda target got.
    expected = {
        "version": "0",
        "id": "6a7e8feb-b491-4cf7-a9f1-bf3703467718",
        "detail-type": "core.update-account-command",
        "source": "core.update-account-command",
        "account": "111111111111",
        "time": "2024-04-08T17:32:58Z",
        "region": "us-east-1",
        "resources": [],
        "detail": DETAIL,
    }
    actual = envelope(DETAIL)
    assert json.dumps(actual) == json.dumps(expected)


def test_input_and_input_path() -> None:
    event = envelope(DETAIL)
    assert eventbridge_target_input(event, input='{"fixed": 1}') == '{"fixed": 1}'
    # LS tests/aws/services/events/test_events_inputs.snapshot.json,
    # "TestInputPath::test_put_events_with_input_path": InputPath $.detail -> the detail.
    assert json.loads(eventbridge_target_input(event, input_path="$.detail")) == DETAIL
    assert json.loads(eventbridge_target_input(event)) == event


PATHS = {
    "userId": "$.detail.payload.acc_id",
    "payload": "$.detail.payload",
    "systemstring": "$.detail.awsAccountId",
    "listsingle": "$.detail.listsingle",
    "listmulti": "$.detail.listmulti",
    "valid": "$.detail.valid",
}


# LS test_events_inputs.snapshot.json, "TestInputTransformer::
# test_input_transformer_nested_keys_replacement[<template>]" (key = the template), body recorded.
@pytest.mark.parametrize(
    ("template", "expected"),
    [
        (
            '{"method": "PUT", "path": "users-service/users/<userId>", "bod": <payload>}',
            {
                "method": "PUT",
                "path": "users-service/users/0a787ecb-4015",
                "bod": {"acc_id": "0a787ecb-4015", "sf_id": "baz"},
            },
        ),
        ('{"id" : <userId>}', {"id": "0a787ecb-4015"}),
        ('{"id" : "<userId>"}', {"id": "0a787ecb-4015"}),
        (
            '{"method": "PUT", "path": "users-service/users/<userId>", "bod": [<userId>, "hardcoded"]}',
            {
                "method": "PUT",
                "path": "users-service/users/0a787ecb-4015",
                "bod": ["0a787ecb-4015", "hardcoded"],
            },
        ),
        ('{"singlelistitem": <listsingle>}', {"singlelistitem": ["HIGH"]}),
        (
            '{"multi_replacement": "users/<userId>/second/<userId>"}',
            {"multi_replacement": "users/0a787ecb-4015/second/0a787ecb-4015"},
        ),
    ],
)
def test_input_transformer_json_templates(template: str, expected: object) -> None:
    body = eventbridge_target_input(
        envelope(SPECIAL), input_transformer={"InputPathsMap": PATHS, "InputTemplate": template}
    )
    assert json.loads(body) == expected


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        (
            '"Payload of <payload> with path users-service/users/<userId> and <userId>"',
            '"Payload of {acc_id:0a787ecb-4015,sf_id:baz} with path users-service/users/'
            '0a787ecb-4015 and 0a787ecb-4015"',
        ),
        ('"<listsingle> single list item"', '"[HIGH] single list item"'),
        ('"<listmulti> multiple list items"', '"[ACTIVE,INACTIVE] multiple list items"'),
        ('"Command is <valid>!"', '"Command is true!"'),
        (
            '"<listsingle> single list item <listmulti> multiple list items <systemstring> '
            'system account id <payload> payload <userId> user id"',
            '"[HIGH] single list item [ACTIVE,INACTIVE] multiple list items  system account id '
            '{acc_id:0a787ecb-4015,sf_id:baz} payload 0a787ecb-4015 user id"',
        ),
    ],
)
def test_input_transformer_string_templates(template: str, expected: str) -> None:
    body = eventbridge_target_input(
        envelope(SPECIAL), input_transformer={"InputPathsMap": PATHS, "InputTemplate": template}
    )
    assert body == expected


def test_input_transformer_missing_value_is_empty() -> None:
    # LS test_events_inputs.snapshot.json,
    # "TestInputTransformer::test_put_events_with_input_transformer_input_template_json",
    # custom-variables-not-match-all: {"command": <command>} with the path absent -> "".
    paths = {"detail-type": "$.detail-type", "command": "$.detail.notinmessage"}
    body = eventbridge_target_input(
        envelope(DETAIL),
        input_transformer={
            "InputPathsMap": paths,
            "InputTemplate": '{"detailType": <detail-type>, "command": <command>}',
        },
    )
    assert json.loads(body) == {"detailType": "core.update-account-command", "command": ""}


@pytest.mark.parametrize(
    "template",
    # LS tests/aws/services/events/test_events_inputs.py,
    # test_input_transformer_nested_keys_replacement_not_valid (recorded: nothing delivered).
    ['{"payload": "<payload>"}', '{"singlelistitem": "<listsingle>"}'],
)
def test_input_transformer_json_inside_string_is_not_delivered(template: str) -> None:
    with pytest.raises(InputTemplateError):
        eventbridge_target_input(
            envelope(SPECIAL),
            input_transformer={"InputPathsMap": PATHS, "InputTemplate": template},
        )


def s3_put(key: str, **extra: object) -> dict:
    return s3_object_event(
        event_name="ObjectCreated:Put",
        region="us-east-1",
        event_time=dt.datetime(2025, 1, 21, 23, 21, 10, 5000, tzinfo=dt.timezone.utc),
        principal_id="AWS:AIDAEXAMPLE",
        source_ip="203.0.113.9",
        request_id="C3D13FE58DE4C810",
        host_id="FMyUVURIY8/IgAtTv8xRjskZQpcIZ9KG4V5Wp6S7S/JRWeUWerMUE5JgHvANOjpD",
        configuration_id="cfg-1",
        bucket="my-bucket",
        bucket_owner_id="A3NL1KOZZKExample",
        key=key,
        sequencer="0055AED6DCD90281E5",
        **extra,  # type: ignore[arg-type]
    )


def test_s3_put_record() -> None:
    # LS tests/aws/services/s3/test_s3_notifications_sns.snapshot.json,
    # "TestS3NotificationsToSns::test_bucket_notifications_with_filter" (key order as recorded).
    expected = {
        "Records": [
            {
                "eventVersion": "2.1",
                "eventSource": "aws:s3",
                "awsRegion": "us-east-1",
                "eventTime": "2025-01-21T23:21:10.005Z",
                "eventName": "ObjectCreated:Put",
                "userIdentity": {"principalId": "AWS:AIDAEXAMPLE"},
                "requestParameters": {"sourceIPAddress": "203.0.113.9"},
                "responseElements": {
                    "x-amz-request-id": "C3D13FE58DE4C810",
                    "x-amz-id-2": "FMyUVURIY8/IgAtTv8xRjskZQpcIZ9KG4V5Wp6S7S/JRWeUWerMUE5JgHvANOjpD",
                },
                "s3": {
                    "s3SchemaVersion": "1.0",
                    "configurationId": "cfg-1",
                    "bucket": {
                        "name": "my-bucket",
                        "ownerIdentity": {"principalId": "A3NL1KOZZKExample"},
                        "arn": "arn:aws:s3:::my-bucket",
                    },
                    "object": {
                        "key": "testupload/dir1/testfile.txt",
                        "size": 35,
                        "eTag": "f5260f0f41af2722d9fe17a57dfa9da5",
                        "sequencer": "0055AED6DCD90281E5",
                    },
                },
            }
        ]
    }
    actual = s3_put(
        "testupload/dir1/testfile.txt", size=35, etag='"f5260f0f41af2722d9fe17a57dfa9da5"'
    )
    assert json.dumps(actual) == json.dumps(expected)


def test_s3_key_url_encoding() -> None:
    # LS tests/aws/services/s3/test_s3_notifications_sqs.snapshot.json,
    # "TestS3NotificationsToSQS::test_key_encoding": key a@b arrives as "a%40b".
    assert s3_put("a@b", size=9, etag="e")["Records"][0]["s3"]["object"]["key"] == "a%40b"
    # https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-content-structure.html:
    # "red flower.jpg" becomes "red+flower.jpg".
    assert s3_put("red flower.jpg")["Records"][0]["s3"]["object"]["key"] == "red+flower.jpg"


def test_s3_versioned_put_and_delete_objects() -> None:
    # LS test_s3_notifications_sqs.snapshot.json,
    # "TestS3NotificationsToSQS::test_object_created_put_versioned": versionId between eTag and
    # sequencer; the ObjectRemoved:Delete object has only key, versionId, sequencer.
    put = s3_put("test-key", size=4, etag="8d777f385d3dfec8815d20f7496026dc", version_id="v1")
    assert list(put["Records"][0]["s3"]["object"]) == [
        "key",
        "size",
        "eTag",
        "versionId",
        "sequencer",
    ]
    deleted = s3_put("test-key", version_id="v1")
    assert list(deleted["Records"][0]["s3"]["object"]) == ["key", "versionId", "sequencer"]


def test_s3_filter_matching() -> None:
    # https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-how-to-filtering.html
    created = ["s3:ObjectCreated:*"]
    assert s3_event_matches("ObjectCreated:Put", "images/a.jpg", created, "images/", ".jpg")
    assert not s3_event_matches("ObjectCreated:Put", "docs/a.jpg", created, "images/", ".jpg")
    assert not s3_event_matches("ObjectCreated:Put", "images/a.png", created, "images/", ".jpg")
    assert not s3_event_matches("ObjectRemoved:Delete", "images/a.jpg", created)
    assert s3_event_matches("ObjectRemoved:Delete", "k", ["s3:ObjectRemoved:Delete"])
