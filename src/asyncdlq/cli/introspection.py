"""Reading the local emulator's ``/_asyncdlq/invocations`` and putting it in lines for people.

Plain JSON over HTTP on purpose: importing the emulator package would pull moto into every CLI
command and ``asyncdlq --help``. ``describe_source`` therefore repeats the wording of
``asyncdlq.emulator.trigger_sources.TriggerSource.describe`` for the JSON form of a source
(a test in tests/cli/test_main.py keeps the two the same).
"""

from __future__ import annotations

import json
import urllib.request
from typing import Any

from ..client.timeline import clock

ROUTE = "/_asyncdlq/invocations"
# Said once under the refusals: on AWS a refused trigger leaves nothing in the function's logs.
PERMISSION_HINT = (
    "add a resource-based permission (the module's allowed_triggers) for the service named above"
)


def fetch(endpoint: str, timeout_s: float = 5) -> dict[str, Any]:
    """The emulator's invocations and refused deliveries; raises OSError or ValueError."""
    with urllib.request.urlopen(f"{endpoint}{ROUTE}", timeout=timeout_s) as response:
        body = json.load(response)
    if not isinstance(body, dict) or not isinstance(body.get("invocations"), list):
        raise ValueError(f"{endpoint}{ROUTE} did not answer with an invocations list")
    # An emulator from before trigger sources has no "refused": nothing was refused there.
    return {"invocations": body["invocations"], "refused": body.get("refused") or []}


def describe_source(source: dict[str, Any]) -> str:
    """``SNS topic arn:...:t, message 1f2e...``: where a triggered event came from."""
    service = source.get("service")
    if service == "sns":
        return f"SNS topic {source.get('source_arn')}, message {source.get('message_id', '?')}"
    if service == "events":
        return f"EventBridge rule {source.get('source_arn')}, event {source.get('event_id', '?')}"
    return f"S3 bucket {source.get('bucket', '?')}, key {source.get('key', '?')}"


def invocation_lines(inv: dict[str, Any]) -> list[str]:
    """One invocation: its id and outcome, where it came from, its attempts and deliveries."""
    extra = " (duplicate delivery)" if inv["duplicate"] else ""
    lines = [
        f"{inv['request_id']}  {inv['function_name']}:{inv['qualifier']}  "
        f"{inv['outcome'] or 'pending'}{extra}"
    ]
    if inv.get("source"):
        lines.append(f"    from {describe_source(inv['source'])}")
    for number, attempt in enumerate(inv["attempts"], 1):
        offset = attempt["started_at"] - inv["received_at"]
        took = (attempt["ended_at"] - attempt["started_at"]) * 1000
        result = "ok" if attempt["ok"] else f"{attempt['error_type']}: {attempt['error_message']}"
        lines.append(f"    attempt {number} at +{offset:.2f}s, {took:.0f} ms: {result}")
    if inv["throttles"]:
        lines.append(f"    throttled {inv['throttles']} time(s)")
    for delivery in inv["deliveries"]:
        state = "delivered" if delivery["delivered"] else f"DROPPED ({delivery['error']})"
        lines.append(f"    {delivery['kind']} -> {delivery['target']}: {state}")
    return lines


def refused_lines(refused: list[dict[str, Any]]) -> list[str]:
    """The deliveries Lambda refused, and what to do; nothing when there were none."""
    if not refused:
        return []
    lines = ["refused deliveries (the function never ran; nothing is in its log group):"]
    for refusal in refused:
        lines.append(
            f"  {clock(refusal['at'])} {describe_source(refusal['source'])} -> "
            f"{refusal['function_arn']}: {refusal['reason']}"
        )
        lines.append(f"    then: {refusal['then']}")
    # Only a missing statement is fixed by a permission; a deleted function is not.
    if any(str(r["reason"]).startswith("no permission for ") for r in refused):
        lines.append(PERMISSION_HINT)
    return lines


def render(body: dict[str, Any]) -> list[str]:
    """``asyncdlq invocations`` as lines: every invocation, then the refused deliveries."""
    lines = [line for inv in body["invocations"] for line in invocation_lines(inv)]
    return lines + refused_lines(body["refused"])


def invoked_by(endpoint: str, request_id: str, timeout_s: float = 2) -> str | None:
    """``SNS topic ..., message ...`` for a triggered request; None when it was an Invoke call,
    is not listed, or the emulator cannot be read (the timeline goes on without the line)."""
    try:
        body = fetch(endpoint, timeout_s)
        for inv in body["invocations"]:
            if inv.get("request_id") == request_id and inv.get("source"):
                return describe_source(inv["source"])
    except (OSError, ValueError, TypeError, AttributeError):
        return None
    return None
