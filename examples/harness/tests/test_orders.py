import pytest


@pytest.fixture(scope="module")
def stack(asyncdlq_stack, asyncdlq_package, asyncdlq_run_prefix):
    package = asyncdlq_package("handler")
    return asyncdlq_stack(
        "stack", {"name_prefix": asyncdlq_run_prefix, "package_path": str(package)}
    )


def test_a_failing_order_is_retried_twice_then_dead_lettered(
    stack, asyncdlq_invoke, asyncdlq_messages, asyncdlq_timeline
):
    invocation = asyncdlq_invoke(stack.outputs["function_name"], {"order_id": "o-1", "fail": True})
    match = asyncdlq_messages.wait_for(stack.outputs["dlq_url"], invocation)
    assert match.duplicates == []
    (dead_letter,) = match.messages
    assert dead_letter.payload_text == '{"order_id": "o-1", "fail": true}'
    assert dead_letter.lambda_attributes["ErrorMessage"] == "order o-1 cannot be processed"
    timeline = asyncdlq_timeline(invocation, dead_letter)
    assert [attempt.failed for attempt in timeline.attempts] == [True, True, True]
    asyncdlq_timeline.assert_retry_spacing(timeline)


def test_a_good_order_is_processed_once(stack, asyncdlq_invoke, asyncdlq_logs):
    invocation = asyncdlq_invoke(stack.outputs["function_name"], {"order_id": "o-2"})
    (attempt,) = asyncdlq_logs.attempts(invocation, count=1)
    assert not attempt.failed
