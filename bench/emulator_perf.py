"""Emulator performance, as ratios to floors measured in the same run (shared machines drift).

    .venv/bin/python bench/emulator_perf.py            # full run, a few minutes on 2 cores
    .venv/bin/python bench/emulator_perf.py --quick    # smaller counts, a smoke run (< 60 s)
    .venv/bin/python bench/emulator_perf.py --only queue-drain   # one section

Prints numbers, not a test: each line is a measured value, its target and PASS/FAIL; the exit
status is 1 if any target failed.

The emulator runs as a subprocess (``python -m asyncdlq emulator``), the way ``make`` and the
harness run it: in-process, boto3's own CPU work (signing, serializing, parsing; about as much as
the server's per call) would share one GIL with the server, and "4 client threads" would measure
that GIL, not the server. One boto3 client per thread, keep-alive (boto3's connection pool),
loopback only, bounded loops only.

Floors, measured in this run:
- ``GetFunction`` p50: a round trip through the same server that executes nothing;
- ``python -c pass`` p50 with the interpreter the emulator picks for the runtime;
- the rate of sequential synchronous invokes of a trivial handler.

The parts are in bench/perf/ (emulator.py, load.py, bursts.py, results.py) and
bench/queue_drain.py.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import queue_drain as queue_drain_bench  # bench/queue_drain.py, next to this script
from perf.bursts import burst_failing, burst_on_success  # bench/perf/, next to this script
from perf.emulator import REPO, RUNTIME, TRIVIAL, Deployer, Emulator, client, invoke
from perf.load import fire_events, wait_for_outcomes
from perf.results import FULL, QUICK, Results, Sizes, p50_ms
from queue_drain import timed


# -- the measurements -----------------------------------------------------------------------------
def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="smaller counts, a smoke run")
    parser.add_argument(
        "--only", choices=sorted(SECTIONS), help="run one section instead of all of them"
    )
    parser.add_argument(
        "--endpoint",
        help="measure an emulator that is already running (started with --time-scale 1/1000), "
        "e.g. under py-spy; by default one is started on a free port and stopped at the end",
    )
    args = parser.parse_args()
    size = QUICK if args.quick else FULL
    run_started = time.monotonic()
    print(f"emulator_perf ({'quick' if args.quick else 'full'}): {RUNTIME}, {os.cpu_count()} CPUs")

    emu = Emulator(args.endpoint)
    results = Results()
    try:
        SECTIONS[args.only](emu, size, results) if args.only else run(emu, size, results)
    finally:
        emu.stop()
    failures = results.failures
    print(f"\n{len(failures)} target(s) failed; {time.monotonic() - run_started:.0f} s in all")
    if failures:
        print("failed: " + ", ".join(failures))
    return 1 if failures else 0


def run(emu: Emulator, size: Sizes, results: Results) -> None:
    url = emu.url
    deploy = Deployer(url)
    lam = deploy.lam
    trivial = deploy.function(TRIVIAL)
    invoke(lam, trivial)  # a warm worker for what follows

    print(f"\nlatency (p50 over {size.samples} calls, one client, keep-alive)")
    timed(lambda: lam.get_function(FunctionName=trivial), 20)  # connection and caches warm
    floor = p50_ms(timed(lambda: lam.get_function(FunctionName=trivial), size.samples))
    print(f"  {'floor: GetFunction':<46} {floor:10.2f} ms")

    sync_samples = timed(lambda: invoke(lam, trivial), size.samples)
    sync = p50_ms(sync_samples)
    sync_rate = len(sync_samples) / sum(sync_samples)
    print(f"  {'warm sync invoke':<46} {sync:10.2f} ms")
    results.report("warm sync invoke / floor", sync / floor, 1.5, "x", higher_is_better=False)

    accept_fn = deploy.function(TRIVIAL)
    invoke(lam, accept_fn)
    accept_ids: list[str] = []

    def accept() -> None:
        resp = invoke(lam, accept_fn, "Event")
        accept_ids.append(resp["ResponseMetadata"]["RequestId"])

    accept_p50 = p50_ms(timed(accept, size.samples))
    print(f"  {'async accept (202)':<46} {accept_p50:10.2f} ms")
    results.report("async accept / floor", accept_p50 / floor, 1.3, "x", higher_is_better=False)
    wait_for_outcomes(emu, accept_ids, size.wait_s)

    print(f"\nasync accept throughput ({size.throughput_calls} Event invokes per run)")
    rates = {}
    for threads in (1, 4):
        ids, elapsed = fire_events(url, accept_fn, size.throughput_calls, threads)
        rates[threads] = len(ids) / elapsed
        print(f"  {f'{threads} client thread(s)':<46} {rates[threads]:10.1f} /s")
        wait_for_outcomes(emu, ids, size.wait_s)  # the next run starts from an idle engine
    results.report(
        "accepted/s, 4 threads / 1 thread", rates[4] / rates[1], 1.0, "x", higher_is_better=True
    )

    print(f"\ncold invoke (new function, first invoke; p50 of {size.cold})")
    sys.path.insert(0, str(REPO / "src"))
    from asyncdlq.emulator.runtime.interpreters import interpreter_for

    interpreter = interpreter_for(RUNTIME)
    bare = p50_ms(
        timed(lambda: subprocess.run([interpreter, "-c", "pass"], check=True), size.cold * 2)
    )
    print(f"  {'floor: ' + Path(interpreter).name + ' -c pass':<46} {bare:10.2f} ms")
    cold_samples = []
    for i in range(size.cold):
        fn = deploy.function(TRIVIAL + f"# {i}\n")
        cold_samples += timed(lambda fn=fn: invoke(lam, fn), 1)
    cold = p50_ms(cold_samples)
    print(f"  {'cold invoke':<46} {cold:10.2f} ms")
    results.report("cold invoke / bare interpreter", cold / bare, 2.0, "x", higher_is_better=False)

    burst_on_success(emu, deploy, size, sync_rate, results)
    burst_failing(emu, deploy, size, results)
    queue_drain(emu, size, results)


def queue_drain(emu: Emulator, size: Sizes, results: Results) -> None:
    print("\nqueue drain (one client: ReceiveMessage of 10, then DeleteMessageBatch)")
    depths = queue_drain_bench.QUICK_DEPTHS if size is QUICK else queue_drain_bench.DEPTHS
    queue_drain_bench.run(emu.url, depths, size.samples, client, results.report, results.check)


SECTIONS: dict[str, Callable[[Emulator, Sizes, Results], None]] = {"queue-drain": queue_drain}


if __name__ == "__main__":
    sys.exit(main())
