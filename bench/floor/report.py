"""The report of bench/make_test_floor.py: the make test wall time against its two floors, and
a table of the stacks' standalone and in-run terraform seconds."""

from __future__ import annotations

from pathlib import Path

from .common import STEPS, label
from .make_test import TestRun
from .manifest import Recorded
from .replay import Replay

REQUIRED_RATIO = 1.3


def _ratio(wall: float | None, floor: float) -> str:
    if wall is None or floor <= 0:
        return "n/a"
    return f"{wall / floor:.2f}"


def _within(wall: float | None, floor: float) -> str:
    if wall is None or floor <= 0:
        return "n/a"
    return "yes" if wall <= REQUIRED_RATIO * floor else "no"


def _seconds(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f} s"


def report(
    repo: Path,
    run: TestRun,
    recorded: list[Recorded],
    sequential: list[Replay],
    parallel_wall: float,
    parallel: list[Replay],
    gone: list[Recorded],
) -> str:
    failed = [r for r in sequential if r.error]
    # A stack that failed to replay still costs something: its in-run timings stand in.
    stand_ins = gone + [r.recorded for r in failed]
    replayed = [r for r in sequential if not r.error]
    sequential_floor = sum(r.total for r in replayed) + sum(s.in_run_total for s in stand_ins)
    longest_stand_in = max((s.in_run_total for s in stand_ins), default=0.0)
    parallel_floor = parallel_wall + longest_stand_in
    waits = sum(r.provider_wait_s for r in replayed)
    in_run_terraform = sum(sum(s.timings.values()) for s in recorded)

    out = [
        f"make install (not part of the test wall time): {_seconds(run.install_s)}",
        f"make test wall time: {_seconds(run.wall_s)} ({run.summary})",
        f"sequential floor: {sequential_floor:.1f} s ({len(replayed)} stacks replayed "
        f"standalone + {len(stand_ins)} at their in-run timings)",
        f"parallel floor: {parallel_floor:.1f} s ({parallel_wall:.1f} s for {len(parallel)} "
        f"stacks at once + {longest_stand_in:.1f} s for the longest not replayed)",
        f"ratio make test / sequential floor: {_ratio(run.wall_s, sequential_floor)}",
        f"ratio make test / parallel floor: {_ratio(run.wall_s, parallel_floor)}",
        f"within {REQUIRED_RATIO:g}x (the requirement): {_within(run.wall_s, sequential_floor)} against the "
        f"sequential floor, {_within(run.wall_s, parallel_floor)} against the parallel floor",
        f"provider fixed waits in the standalone applies: {waits} s",
        f"terraform time recorded inside make test (all steps, {len(recorded)} stacks): "
        f"{in_run_terraform:.1f} s",
        "",
    ]

    rows: dict[str, list[float]] = {}
    for replay in replayed:
        row = rows.setdefault(label(replay.recorded.tfdir, repo), [0.0] * 8)
        row[0] += 1
        for i, step in enumerate(STEPS):
            row[1 + i] += replay.seconds.get(step, 0.0)
            row[5 + i] += replay.recorded.in_run(step)
        row[4] += replay.provider_wait_s
    header = ("stack (sums, seconds)", "n", "init", "apply", "destroy", "waits")
    header += ("init", "apply", "destroy")
    width = max([len(header[0]), *(len(name) for name in rows)])
    out.append(
        f"{'':{width}} {'':>3} {'-------- standalone --------':>35} {'---- in run ----':>26}"
    )
    out.append(f"{header[0]:{width}} {header[1]:>3}" + "".join(f" {h:>8}" for h in header[2:]))
    for name in sorted(rows):
        row = rows[name]
        out.append(f"{name:{width}} {int(row[0]):>3}" + "".join(f" {v:8.1f}" for v in row[1:]))

    if gone:
        out += ["", "not replayable (temporary config), in-run timings:"]
        for stack in gone:
            steps = "  ".join(f"{step} {stack.in_run(step):.1f}" for step in STEPS)
            out.append(f"  {stack.tfdir.as_posix()}  {steps}  = {stack.in_run_total:.1f} s")
    if failed:
        out += ["", "failed to replay (their in-run timings stand in, in both floors):"]
        for replay in failed:
            out.append(f"  {label(replay.recorded.tfdir, repo)}: {replay.error}")
    broken = [r for r in parallel if r.error]
    if broken:
        out += ["", "failed in the parallel round (the parallel floor lacks what they skipped):"]
        for replay in broken:
            out.append(f"  {label(replay.recorded.tfdir, repo)}: {replay.error}")
    if run.slowest:
        out += ["", "slowest parts of make test (pytest --durations):"]
        out += [f"  {line.strip()}" for line in run.slowest]
    return "\n".join(out)
