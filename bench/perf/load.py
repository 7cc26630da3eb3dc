"""The load bench/emulator_perf.py puts on the emulator: Event invokes from several client
threads, waiting for their outcomes, and reading queues empty."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from typing import Any

from .emulator import Emulator, client, invoke


def in_threads(threads: int, per_thread: Callable[[int], Any]) -> tuple[list[Any], float]:
    """Run ``per_thread(i)`` on ``threads`` threads at once; their results and the wall time."""
    results: list[Any] = [None] * threads
    errors: list[BaseException] = []
    barrier = threading.Barrier(threads + 1)

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = per_thread(i)
        except BaseException as exc:  # reported below, never swallowed
            errors.append(exc)

    workers = [threading.Thread(target=run, args=(i,)) for i in range(threads)]
    for w in workers:
        w.start()
    barrier.wait()
    started = time.perf_counter()
    for w in workers:
        w.join()
    elapsed = time.perf_counter() - started
    if errors:
        raise errors[0]
    return results, elapsed


def fire_events(
    url: str, function: str, count: int, threads: int = 4, budget_s: float = 600
) -> tuple[list[str], float]:
    """Up to ``count`` Event invokes from ``threads`` clients, stopping after ``budget_s``.

    Returns the request IDs of the 202s and the wall time.
    """
    clients = [client(url, "lambda") for _ in range(threads)]
    deadline = time.monotonic() + budget_s

    def run(i: int) -> list[str]:
        ids = []
        for k in range(i, count, threads):
            if time.monotonic() > deadline:
                break
            resp = invoke(clients[i], function, "Event", json.dumps({"n": k}))
            assert resp["StatusCode"] == 202, resp
            ids.append(resp["ResponseMetadata"]["RequestId"])
        return ids

    results, elapsed = in_threads(threads, run)
    return [rid for ids in results for rid in ids], elapsed


def wait_for_outcomes(
    emu: Emulator, request_ids: list[str], wait_s: float
) -> dict[str, dict[str, Any]]:
    wanted = set(request_ids)
    deadline = time.monotonic() + wait_s
    while True:
        events = {rid: e for rid, e in emu.invocations().items() if rid in wanted}
        done = sum(1 for e in events.values() if e["outcome"])
        if done == len(wanted) or time.monotonic() > deadline:
            return events
        time.sleep(1.0 if len(wanted) > 1000 else 0.2)


def queue_depth(sqs: Any, url: str) -> int:
    attrs = sqs.get_queue_attributes(
        QueueUrl=url,
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return int(attrs["ApproximateNumberOfMessages"]) + int(
        attrs["ApproximateNumberOfMessagesNotVisible"]
    )


def drain(sqs: Any, url: str, limit: int) -> list[dict[str, Any]]:
    """Every message of the queue (received once each, then deleted), at most ``limit``."""
    out: list[dict[str, Any]] = []
    for _ in range(limit // 10 + 5):
        batch = sqs.receive_message(
            QueueUrl=url,
            MaxNumberOfMessages=10,
            VisibilityTimeout=900,
            MessageAttributeNames=["All"],
        ).get("Messages", [])
        if not batch:
            break
        out += batch
        sqs.delete_message_batch(
            QueueUrl=url,
            Entries=[
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(batch)
            ],
        )
    return out


def span_s(events: list[dict[str, Any]]) -> float:
    """From the first event accepted to the last finished, on the emulator's clock."""
    return max(e["finished_at"] for e in events) - min(e["received_at"] for e in events)
