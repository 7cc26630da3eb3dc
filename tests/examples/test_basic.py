"""examples/basic: applied as a user would apply it, and its async behaviour."""

from __future__ import annotations

from .conftest import assert_dead_letter


def test_basic_failure_lands_in_the_dlq(basic, asyncdlq_invoke, asyncdlq_messages) -> None:
    out = basic.outputs
    payload = b'{"key1": "value1"}'
    invocation = asyncdlq_invoke(out["function_name"], payload)
    assert invocation.status_code == 202
    assert invocation.request_id

    match = asyncdlq_messages.wait_for(out["dlq_url"], invocation)
    (message,) = match.messages
    assert match.unexplained_duplicates == []  # a redelivery is reported, not failed
    assert_dead_letter(message, payload, invocation.request_id, "Something went wrong")


def test_basic_plan_after_apply_is_empty(basic) -> None:
    assert basic.stack.plan_exit_code() == 0
