"""Fixtures that invoke a function and watch what follows, and the report printed when a test
using them fails (registered by plugin.py through ``pytest_plugins``).

Each fixture is a thin binding of a helper in session_helpers.py to the session's target, so a test
reads the same on the emulator and on AWS. What a test invoked and which queues it read is kept on
the test item, so a failure shows that invocation's timeline, its log lines and what the queues
hold. The heavy imports wait until a fixture is used.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest

from .applied_stack import AppliedStack, clients_key

if TYPE_CHECKING:
    from ..client.clients import Clients
    from ..client.deadlines import Deadlines
    from .session_helpers import (
        Activity,
        FunctionFacts,
        Invoker,
        Logs,
        Messages,
        Timelines,
        Triggerer,
    )

record_key = pytest.StashKey["Activity"]()


@pytest.fixture(scope="session")
def _asyncdlq_facts(asyncdlq_clients: Clients) -> FunctionFacts:
    from .session_helpers import FunctionFacts

    return FunctionFacts(asyncdlq_clients)


@pytest.fixture
def _asyncdlq_record(request: pytest.FixtureRequest) -> Activity:
    from .session_helpers import Activity

    record = Activity()
    request.node.stash[record_key] = record
    return record


@pytest.fixture
def asyncdlq_invoke(asyncdlq_clients: Clients, _asyncdlq_record: Activity) -> Invoker:
    """``asyncdlq_invoke(function_name, payload, correlation_id=None) -> Invocation``."""
    from .session_helpers import Invoker

    return Invoker(asyncdlq_clients, _asyncdlq_record)


@pytest.fixture
def asyncdlq_trigger(asyncdlq_clients: Clients, _asyncdlq_record: Activity) -> Triggerer:
    """``asyncdlq_trigger.sns(topic_arn, function_name, message)``, ``.event(function_name,
    source=, detail_type=, detail=)``, ``.s3(bucket, key, body, function_name)`` -> Triggered,
    which the message and log readers and the timeline take like an Invocation."""
    from .session_helpers import Triggerer

    return Triggerer(asyncdlq_clients, _asyncdlq_record)


@pytest.fixture
def asyncdlq_messages(
    asyncdlq_clients: Clients,
    asyncdlq_deadlines: Deadlines,
    _asyncdlq_facts: FunctionFacts,
    _asyncdlq_record: Activity,
) -> Messages:
    """``asyncdlq_messages.wait_for(queue_url, invocation) -> Match(messages, duplicates)``."""
    from .session_helpers import Messages

    return Messages(asyncdlq_clients, asyncdlq_deadlines, _asyncdlq_facts, _asyncdlq_record)


@pytest.fixture
def asyncdlq_logs(
    asyncdlq_clients: Clients, asyncdlq_deadlines: Deadlines, _asyncdlq_facts: FunctionFacts
) -> Logs:
    """``asyncdlq_logs.attempts(invocation, count=1) -> [AttemptLog]`` (lines, error, report)."""
    from .session_helpers import Logs

    return Logs(asyncdlq_clients, asyncdlq_deadlines, _asyncdlq_facts)


@pytest.fixture
def asyncdlq_timeline(
    asyncdlq_logs: Logs, asyncdlq_deadlines: Deadlines, _asyncdlq_facts: FunctionFacts
) -> Timelines:
    """``asyncdlq_timeline(invocation, message) -> Timeline``; ``.assert_retry_spacing(t)``."""
    from .session_helpers import Timelines

    return Timelines(asyncdlq_logs, asyncdlq_deadlines, _asyncdlq_facts)


# --- the report on failure ------------------------------------------------------------------


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    if report.when == "call" and report.failed:
        text = _failure_report(item)
        if text:
            report.sections.append(("asyncdlq: what the target shows", text))
    return report


def _failure_report(item: pytest.Item) -> str | None:
    from .diagnostics import failure_report

    record = item.stash.get(record_key, None)
    funcargs = getattr(item, "funcargs", {})
    stacks = {name: v.outputs for name, v in funcargs.items() if isinstance(v, AppliedStack)}
    if record is None and not stacks:
        return None
    clients = item.config.stash.get(clients_key, None)
    if clients is None:
        return "Terraform outputs:\n" + json.dumps(stacks, indent=2, sort_keys=True, default=str)
    deadlines = funcargs.get("asyncdlq_deadlines")
    return failure_report(
        clients,
        invocations=record.invocations if record else (),
        triggered=record.triggered if record else (),
        stacks_outputs=stacks,
        queue_urls=record.queue_urls if record else (),
        received=record.received if record else (),
        time_scale=getattr(deadlines, "time_scale", None),
        aws_like=bool(deadlines and (deadlines.on_aws or deadlines.aws_like)),
    )
