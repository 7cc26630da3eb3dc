"""The burst sections of bench/emulator_perf.py: many async invokes at once, succeeding into an
on-success destination, or failing through their retries into a DLQ."""

from __future__ import annotations

import json
import time
import uuid

from .emulator import FAILING, TIME_SCALE, TRIVIAL, Deployer, Emulator
from .load import drain, fire_events, queue_depth, span_s, wait_for_outcomes
from .results import Results, Sizes


def burst_on_success(
    emu: Emulator, deploy: Deployer, size: Sizes, sync_rate: float, results: Results
) -> None:
    n = size.burst_ok
    print(f"\nburst: {n} async invokes, trivial handler, on-success destination (SQS)")
    queue_url, queue_arn = deploy.queue(f"bench-ok-{uuid.uuid4().hex[:8]}")
    fn = deploy.function(TRIVIAL)
    deploy.lam.put_function_event_invoke_config(
        FunctionName=fn,
        MaximumRetryAttempts=0,
        DestinationConfig={"OnSuccess": {"Destination": queue_arn}},
    )
    ids, fire_s = fire_events(emu.url, fn, n, budget_s=size.wait_s)
    results.check(
        "accepted", len(ids) == n, f"{len(ids)}/{n} in {fire_s:.1f} s ({len(ids) / fire_s:.0f}/s)"
    )
    events = wait_for_outcomes(emu, ids, size.wait_s)
    success = [e for e in events.values() if e["outcome"] == "Success"]
    results.check("every event Success", len(success) == n, f"{len(success)}/{n} (introspection)")
    if success:
        rate = len(success) / span_s(success)
        print(f"  {'floor: sequential sync invokes':<46} {sync_rate:10.1f} /s")
        results.report("completion rate / sequential sync rate", rate / sync_rate, 1.0, "x", True)
    # The destination: the engine records each delivery; the queue must hold one record each.
    deliveries = [d for e in success for d in e.get("deliveries", []) if d["kind"] == "on-success"]
    if not deliveries:
        results.check("on-success destination", False, "engine recorded no on-success delivery")
        return
    delivered = sum(1 for d in deliveries if d.get("delivered"))
    results.check("on-success deliveries recorded", delivered == n, f"{delivered}/{n} delivered")
    depth = queue_depth(deploy.sqs, queue_url)
    results.check("destination queue depth", depth == n, f"{depth}/{n} messages")
    started = time.perf_counter()
    records = drain(deploy.sqs, queue_url, n)
    drain_s = time.perf_counter() - started
    rids = {json.loads(m["Body"])["requestContext"]["requestId"] for m in records}
    results.check(
        "destination records, one per event",
        len(records) == n and rids == set(ids),
        f"{len(records)} records, {len(rids)} distinct request IDs in {drain_s:.1f} s",
    )


def burst_failing(emu: Emulator, deploy: Deployer, size: Sizes, results: Results) -> None:
    n = size.burst_fail
    print(f"\nburst: {n} failing async invokes, retries 2, time scale {TIME_SCALE}, SQS DLQ")
    dlq_url, dlq_arn = deploy.queue(f"bench-dlq-{uuid.uuid4().hex[:8]}")
    fn = deploy.function(FAILING, dlq_arn)
    deploy.lam.put_function_event_invoke_config(FunctionName=fn, MaximumRetryAttempts=2)
    ids, fire_s = fire_events(emu.url, fn, n, budget_s=size.wait_s)
    results.check(
        "accepted", len(ids) == n, f"{len(ids)}/{n} in {fire_s:.1f} s ({len(ids) / fire_s:.0f}/s)"
    )
    events = wait_for_outcomes(emu, ids, size.wait_s)
    exhausted = [e for e in events.values() if e["outcome"] == "RetriesExhausted"]
    three = sum(1 for e in exhausted if len(e["attempts"]) == 3)
    results.check("every event RetriesExhausted", len(exhausted) == n, f"{len(exhausted)}/{n}")
    results.check("3 attempts each", three == n, f"{three}/{n}")
    if exhausted:
        print(f"  {'accept to last DLQ delivery':<46} {span_s(exhausted):10.1f} s")
    messages = drain(deploy.sqs, dlq_url, n * 2)
    rids = [
        m.get("MessageAttributes", {}).get("RequestID", {}).get("StringValue") for m in messages
    ]
    results.check(
        "DLQ: every event exactly once",
        len(messages) == n and set(rids) == set(ids),
        f"{len(messages)} messages, {len(set(rids))} distinct RequestID (want {n} and {n})",
    )
