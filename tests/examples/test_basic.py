"""examples/basic: applied as a user would apply it, and its async behaviour."""

from __future__ import annotations

from asyncdlq.harness.aws import invoke_async, wait_for_dlq_messages

from .conftest import assert_dead_letter, wait_budget_s


def test_basic_failure_lands_in_the_dlq(basic, asyncdlq_clients, time_scale) -> None:
    out = basic.outputs
    payload = b'{"key1": "value1"}'
    result = invoke_async(asyncdlq_clients.lambda_, out["function_name"], payload)
    assert result.status_code == 202
    assert result.request_id

    (message,) = wait_for_dlq_messages(
        asyncdlq_clients.sqs, out["dlq_url"], 1, timeout_s=wait_budget_s(out, time_scale)
    )
    assert_dead_letter(message, payload, result.request_id, "Something went wrong")


def test_basic_plan_after_apply_is_empty(basic) -> None:
    assert basic.stack.plan_exit_code() == 0
