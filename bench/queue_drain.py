"""Queue drain at depth, a section of emulator_perf.py: fill a standard queue, then drain it
with one client (ReceiveMessage of 10, DeleteMessageBatch of what came), per depth.

Reports messages/s, receive and delete p50s; targets: issue 9's absolute rate at the deepest
depth, a receive cost independent of depth, and receive + delete of 10 against two round trips
of a call that touches no message (same client and server: it drifts with the machine as the
drain does). A shallow queue is filled and drained again until it gave 1,000 messages, for a
p50 of enough receives; the rate counts the receive and delete calls, not the fills.
"""

from __future__ import annotations

import statistics
import time
import uuid
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

DEPTHS = (10, 1_000, 10_000)
QUICK_DEPTHS = (10, 1_000, 2_000)
DRAIN_RATE_TARGET = 1_000.0  # messages/s at the deepest depth
DRAIN_FLATNESS_TARGET = 2.0  # receive p50 at the deepest depth / at the shallowest
DRAIN_FLOOR_TARGET = 2.0  # receive + delete of 10 / two GetQueueUrl round trips
FILL_THREADS = 4


def _p50_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def timed(call: Callable[[], Any], n: int) -> list[float]:
    """The wall time of each of ``n`` calls (emulator_perf.py's sections use it too)."""
    out = []
    for _ in range(n):
        started = time.perf_counter()
        call()
        out.append(time.perf_counter() - started)
    return out


def fill(clients: list[Any], queue_url: str, depth: int) -> set[str]:
    """Put ``depth`` messages in the queue with SendMessageBatch; returns their bodies."""
    batches = [list(range(k, min(k + 10, depth))) for k in range(0, depth, 10)]

    def send(i: int) -> None:
        for batch in batches[i :: len(clients)]:
            entries = [{"Id": str(n), "MessageBody": f"message {n}"} for n in batch]
            resp = clients[i].send_message_batch(QueueUrl=queue_url, Entries=entries)
            assert not resp.get("Failed"), resp["Failed"]

    with ThreadPoolExecutor(len(clients)) as pool:
        list(pool.map(send, range(len(clients))))  # list(): re-raises a thread's error
    return {f"message {n}" for n in range(depth)}


def drain(sqs: Any, queue_url: str, depth: int) -> tuple[list[str], list[float], list[float]]:
    """Receive 10 and delete them until the queue is empty: bodies, receive and delete times."""
    receives: list[float] = []
    deletes: list[float] = []
    seen: list[str] = []
    for _ in range(depth // 10 + 5):  # bounded: each full receive takes 10 messages
        t0 = time.perf_counter()
        batch = sqs.receive_message(
            QueueUrl=queue_url, MaxNumberOfMessages=10, VisibilityTimeout=900
        ).get("Messages", [])
        t1 = time.perf_counter()
        if not batch:
            break
        receives.append(t1 - t0)
        seen += [m["Body"] for m in batch]
        entries = [{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(batch)]
        resp = sqs.delete_message_batch(QueueUrl=queue_url, Entries=entries)
        deletes.append(time.perf_counter() - t1)
        assert not resp.get("Failed"), resp["Failed"]
    return seen, receives, deletes


def _depth(sqs: Any, url: str) -> int:
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    return sum(
        int(attrs[name])
        for name in (
            "ApproximateNumberOfMessages",
            "ApproximateNumberOfMessagesNotVisible",
            "ApproximateNumberOfMessagesDelayed",
        )
    )


def run(
    url: str,
    depths: Iterable[int],
    samples: int,
    client: Callable[[str, str], Any],
    report: Callable[[str, float, float, str, bool], None],
    check: Callable[[str, bool, str], None],
) -> None:
    depths = list(depths)
    sqs = client(url, "sqs")
    fillers = [client(url, "sqs") for _ in range(FILL_THREADS)]
    floor_name = f"bench-floor-{uuid.uuid4().hex[:8]}"
    sqs.create_queue(QueueName=floor_name)
    timed(lambda: sqs.get_queue_url(QueueName=floor_name), 20)  # connection and caches warm
    floor = _p50_ms(timed(lambda: sqs.get_queue_url(QueueName=floor_name), samples))
    print(f"  {'floor: GetQueueUrl':<46} {floor:10.2f} ms")
    p50_receive: dict[int, float] = {}
    rate = 0.0
    for depth in depths:
        queue_url = sqs.create_queue(QueueName=f"bench-drain-{uuid.uuid4().hex[:8]}")["QueueUrl"]
        receives: list[float] = []
        deletes: list[float] = []
        fill_s, all_once = 0.0, True
        for _ in range(max(1, 1000 // depth)):
            started = time.perf_counter()
            bodies = fill(fillers, queue_url, depth)
            fill_s += time.perf_counter() - started
            seen, got_receives, got_deletes = drain(sqs, queue_url, depth)
            receives += got_receives
            deletes += got_deletes
            all_once = all_once and sorted(seen) == sorted(bodies)
        rate = 10 * len(receives) / (sum(receives) + sum(deletes))
        p50_receive[depth] = _p50_ms(receives)
        print(
            f"  {f'depth {depth:,}':<46} {rate:10.1f} /s   receive p50 {p50_receive[depth]:.2f} ms,"
            f" delete batch p50 {_p50_ms(deletes):.2f} ms ({len(receives)} receives;"
            f" fills took {fill_s:.1f} s)"
        )
        check(
            f"depth {depth:,}: every message once, then empty",
            all_once and _depth(sqs, queue_url) == 0,
            f"{10 * len(receives)} messages received",
        )
        sqs.delete_queue(QueueUrl=queue_url)
    sqs.delete_queue(QueueUrl=sqs.get_queue_url(QueueName=floor_name)["QueueUrl"])
    deepest, shallowest = max(depths), min(depths)
    report(f"drain rate at depth {deepest:,}", rate, DRAIN_RATE_TARGET, "/s", True)
    report(
        f"receive+delete of 10 at depth {deepest:,} / 2 floors",
        (10_000 / rate) / (2 * floor),
        DRAIN_FLOOR_TARGET,
        "x",
        False,
    )
    report(
        f"receive p50, depth {deepest:,} / depth {shallowest}",
        p50_receive[deepest] / p50_receive[shallowest],
        DRAIN_FLATNESS_TARGET,
        "x",
        False,
    )
