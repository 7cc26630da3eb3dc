"""examples/existing-dlq: applied as a user would apply it, and its async behaviour."""

from __future__ import annotations

from asyncdlq.harness.aws import invoke_async, wait_for_dlq_messages

from .conftest import assert_dead_letter, wait_budget_s


def test_existing_dlq_is_the_functions_dlq(existing_dlq, asyncdlq_clients) -> None:
    out = existing_dlq.outputs
    config = asyncdlq_clients.lambda_.get_function_configuration(FunctionName=out["function_name"])
    assert config["DeadLetterConfig"]["TargetArn"] == out["existing_queue_arn"]
    assert out["dlq_arn"] == out["existing_queue_arn"]


def test_existing_dlq_receives_the_dead_letter(existing_dlq, asyncdlq_clients, time_scale) -> None:
    out = existing_dlq.outputs
    payload = b'{"key1": "value1"}'
    result = invoke_async(asyncdlq_clients.lambda_, out["function_name"], payload)
    assert result.status_code == 202

    (message,) = wait_for_dlq_messages(
        asyncdlq_clients.sqs,
        out["existing_queue_url"],
        1,
        timeout_s=wait_budget_s(out, time_scale),
    )
    assert_dead_letter(message, payload, result.request_id, "Something went wrong")


def test_existing_dlq_plan_after_apply_is_empty(existing_dlq) -> None:
    assert existing_dlq.stack.plan_exit_code() == 0
