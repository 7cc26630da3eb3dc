"""examples/existing-dlq: applied as a user would apply it, and its async behaviour."""

from __future__ import annotations

from .conftest import assert_dead_letter


def test_existing_dlq_is_the_functions_dlq(existing_dlq, asyncdlq_clients) -> None:
    out = existing_dlq.outputs
    config = asyncdlq_clients.lambda_.get_function_configuration(FunctionName=out["function_name"])
    assert config["DeadLetterConfig"]["TargetArn"] == out["existing_queue_arn"]
    assert out["dlq_arn"] == out["existing_queue_arn"]


def test_existing_dlq_receives_the_dead_letter(
    existing_dlq, asyncdlq_invoke, asyncdlq_messages
) -> None:
    out = existing_dlq.outputs
    payload = b'{"key1": "value1"}'
    invocation = asyncdlq_invoke(out["function_name"], payload)
    assert invocation.status_code == 202

    match = asyncdlq_messages.wait_for(out["existing_queue_url"], invocation)
    (message,) = match.messages
    assert match.unexplained_duplicates == []  # a redelivery is reported, not failed
    assert_dead_letter(message, payload, invocation.request_id, "Something went wrong")


def test_existing_dlq_plan_after_apply_is_empty(existing_dlq) -> None:
    assert existing_dlq.stack.plan_exit_code() == 0
