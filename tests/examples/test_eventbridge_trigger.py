"""examples/eventbridge-trigger: a rule invokes the failing function; without the permission
EventBridge sends the event to the target's DLQ and the function never runs.

Every expected value is what AWS does (docs/aws-behaviour.md, Triggers that invoke
asynchronously: event shapes; Triggers that invoke asynchronously: refusals), so the module runs
unchanged on TARGET=aws.
"""

from __future__ import annotations

import json

import pytest

from .conftest import assert_triggered_dead_letter, without_permission

# docs/aws-behaviour.md, Triggers that invoke asynchronously: event shapes (EventBridge envelope).
ENVELOPE_KEYS = {
    "version",
    "id",
    "detail-type",
    "source",
    "account",
    "time",
    "region",
    "resources",
    "detail",
}
DETAIL_TYPE = "Order Created"


def test_eventbridge_trigger_failure_lands_in_the_function_dlq(
    eventbridge_trigger, asyncdlq_trigger, asyncdlq_messages, asyncdlq_timeline
) -> None:
    out = eventbridge_trigger.outputs
    detail = {"order": "o-2001", "items": [1, 2]}
    triggered = asyncdlq_trigger.event(
        out["function_name"], source=out["event_source"], detail_type=DETAIL_TYPE, detail=detail
    )

    match = asyncdlq_messages.wait_for(out["dlq_url"], triggered)
    (dead,) = match.messages
    assert match.unexplained_duplicates == []  # a redelivery is reported, not failed
    # The dead letter's body is the event Lambda received: EventBridge's envelope.
    event = json.loads(dead.body)
    assert set(event) == ENVELOPE_KEYS
    assert event["version"] == "0"
    assert event["id"] == triggered.ids["event_id"]
    assert event["source"] == out["event_source"]
    assert event["detail-type"] == DETAIL_TYPE
    assert event["detail"] == detail
    assert event["resources"] == []

    assert_triggered_dead_letter(dead, triggered, out, asyncdlq_timeline)


def test_eventbridge_trigger_without_permission_goes_to_the_target_dlq(
    eventbridge_trigger,
    asyncdlq_clients,
    asyncdlq_trigger,
    asyncdlq_messages,
    asyncdlq_logs,
    asyncdlq_deadlines,
) -> None:
    out = eventbridge_trigger.outputs
    with without_permission(asyncdlq_clients.lambda_, out["trigger_permission"]):
        detail = {"order": "o-2002"}
        triggered = asyncdlq_trigger.event(
            out["function_name"],
            source=out["event_source"],
            detail_type=DETAIL_TYPE,
            detail=detail,
        )

        # Missing permissions are not retried: the event goes straight to the target's DLQ.
        match = asyncdlq_messages.wait_for(out["target_dlq_url"], triggered)
        (undelivered,) = match.messages
        assert json.loads(undelivered.body)["id"] == triggered.ids["event_id"]
        attributes = undelivered.message_attributes
        assert attributes["RULE_ARN"]["StringValue"] == out["rule_arn"]
        assert attributes["TARGET_ARN"]["StringValue"] == out["function_arn"]
        # Its value for a Lambda policy refusal is unconfirmed on AWS: present is all we know.
        assert "ERROR_CODE" in attributes

        # Nothing reached the function: no dead letter within the time its first attempt's log
        # lines would take to be readable, and no line names the event.
        with pytest.raises(TimeoutError):
            asyncdlq_messages.wait_for(out["dlq_url"], triggered, timeout_s=asyncdlq_deadlines.logs)
        assert asyncdlq_logs.lines_mentioning(triggered) == []


def test_eventbridge_trigger_plan_after_apply_is_empty(eventbridge_trigger) -> None:
    assert eventbridge_trigger.stack.plan_exit_code() == 0
