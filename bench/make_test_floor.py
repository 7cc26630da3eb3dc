"""The local ``make test`` wall time against its floor: the terraform work of the stacks it needs.

    .venv/bin/python bench/make_test_floor.py                   # clone HEAD, install, test, floor
    .venv/bin/python bench/make_test_floor.py --no-clone        # in the working tree as it is
    .venv/bin/python bench/make_test_floor.py --skip-test M.jsonl   # floor only, from a saved run
    .venv/bin/python bench/make_test_floor.py --pytest-args "-k examples"   # via PYTEST_ADDOPTS

A benchmark, not a test: it prints numbers and exits 0 unless something could not be measured
(a failing ``make test`` exits 1 with the tail of its output). Progress goes to stderr, the report
to stdout.

What it does:
1. Clones HEAD of --repo (default: this checkout) into a temp dir and runs ``make install`` there
   (timed, but reported apart from the test), then ``make test`` with bench/plugins/
   stack_manifest_plugin.py loaded through the environment (PYTEST_PLUGINS, PYTHONPATH and
   ASYNCDLQ_STACK_MANIFEST, so the inner pytest runs the tests start load it too): on the
   asyncdlq plugin's ``pytest_asyncdlq_stack_destroyed`` hook it appends one JSON line per
   destroyed stack: its directory, the variables the test passed and terraform's timings.
   PYTEST_ADDOPTS is --pytest-args, by default --durations=15 (free, and it shows where the rest
   of the wall time goes). The manifest is kept in the system temp dir, also after a failed run,
   with a sidecar (.meta.json) holding the wall times and the clone's path, for --skip-test.
2. Starts its own emulator (time scale 1/60, free port) and replays each recorded stack whose
   directory still exists with plain ``terraform init``, ``apply`` and ``destroy`` and the same
   variables, except those it must make itself: ``package_path`` (a zip of lambda/, or of
   examples/harness/handler for stacks deploying ``app.handler``), ``dlq_arn`` (a queue made on
   its emulator), ``name_prefix`` (unique per replay) and ``tags`` (dropped). Stacks written into
   temp dirs by the tests are usually gone by then; their in-run timings stand in for a replay,
   as they do for a stack that fails to replay.

The numbers:
- make test wall time: the whole ``make test`` command, wall clock (make install excluded).
- sequential floor: the sum of every stack's standalone init + apply + destroy, plus the in-run
  init + apply + destroy of the stacks that could not be replayed. ``make test`` runs one pytest
  process, so this is what its stacks cost when nothing else happens.
- parallel floor: every replayable stack's init + apply started at once, then every destroy at
  once (wall time of both rounds), plus the longest stack that could not be replayed: what the
  stacks would cost if nothing serialized them.
- ratios: make test wall time / each floor (the requirement: within 1.3x of the floor).
- provider fixed waits: the "Creation complete after Ns" of aws_sqs_queue and aws_lambda_function
  in the standalone applies, per apply the longest of each kind (resources of one apply are created
  in parallel), summed over the sequential replays: the part of the floor that is the AWS
  provider's own waiting (about 25 s per new queue).
- the table: per stack directory (relative to the repo), the number of stacks recorded and the sums
  of their standalone init, apply, destroy and provider fixed waits, and of their in-run init,
  apply and destroy, in seconds.

Not in the floor: stacks the plugin does not see (``Stack`` used directly, ``terraform test`` with
mock providers, inner runs whose environment drops PYTEST_PLUGINS, PYTHONPATH or
ASYNCDLQ_STACK_MANIFEST).

The parts are in bench/floor/: make_test.py (the timed run), manifest.py, replay.py, report.py.

Timings depend on the machine's load: say what else ran when quoting them.
"""

from __future__ import annotations

import argparse
import os
import secrets
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path

from floor.common import BenchError, say  # bench/floor/, next to this script
from floor.make_test import MANIFEST_ENV, PLUGIN, run_make_test
from floor.manifest import load_manifest, previous_run, save_manifest
from floor.replay import Replayer, make_queue, own_emulator, replay_in_parallel, replay_sequentially
from floor.report import report

REPO = Path(__file__).resolve().parents[1]
# Costs nothing and shows where the rest of the wall time goes; --pytest-args "" drops it.
DEFAULT_PYTEST_ARGS = "--durations=15"


# --- main ---------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repo", type=Path, default=REPO, help="the repository (default: this)")
    parser.add_argument(
        "--no-clone", action="store_true", help="run in --repo's working tree as it is"
    )
    parser.add_argument(
        "--pytest-args",
        default=DEFAULT_PYTEST_ARGS,
        help=f"PYTEST_ADDOPTS for the make test run (default {DEFAULT_PYTEST_ARGS!r})",
    )
    parser.add_argument(
        "--skip-test",
        type=Path,
        default=None,
        metavar="MANIFEST",
        help="reuse a manifest an earlier run saved; measure only the floor",
    )
    return parser.parse_args(argv)


def measure(args: argparse.Namespace, tmp: Path) -> str:
    source = args.repo.resolve()
    if args.no_clone:
        repo = source
    else:
        repo = tmp / "repo"
        say(f"cloning HEAD of {source}")
        subprocess.run(["git", "clone", "-q", str(source), str(repo)], check=True)

    if args.skip_test:
        manifest = args.skip_test.resolve()
        if not manifest.exists():
            raise BenchError(f"--skip-test {manifest}: no such file")
        run = previous_run(manifest)
    else:
        manifest = tmp / "manifest.jsonl"
        run, failure = run_make_test(repo, manifest, tmp, args.pytest_args)
        if failure is not None:
            if manifest.exists():
                kept = save_manifest(manifest, repo, run)
                say(f"the failed run's manifest is kept as {kept} (floor only: --skip-test)")
            raise failure
        if not manifest.exists():
            raise BenchError(
                f"make test passed but recorded no stack in {manifest}: does the installed "
                f"asyncdlq plugin call pytest_asyncdlq_stack_destroyed, and did {PLUGIN} "
                f"load (PYTEST_PLUGINS) with {MANIFEST_ENV} set?"
            )
        kept = save_manifest(manifest, repo, run)
        say(f"make test: {run.wall_s:.1f}s; manifest kept as {kept} (reuse with --skip-test)")

    recorded = load_manifest(manifest, repo)
    replayable = [s for s in recorded if s.tfdir.is_dir()]
    gone = [s for s in recorded if not s.tfdir.is_dir()]
    say(f"{len(recorded)} stacks recorded: {len(replayable)} replayable, {len(gone)} gone")

    with own_emulator(tmp / "emulator") as endpoint:
        from asyncdlq.target import current_target

        dlq_arn = make_queue(endpoint, current_target().region, f"floor-{secrets.token_hex(3)}")
        replayer = Replayer(repo, tmp / "floor", endpoint, dlq_arn)
        sequential = replay_sequentially(replayer, replayable)
        # A stack that failed alone would fail together too; its in-run timings stand in.
        good = [r.recorded for r in sequential if not r.error]
        parallel_wall, parallel = replay_in_parallel(replayer, good)
    return report(repo, run, recorded, sequential, parallel_wall, parallel, gone)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    load_before = os.getloadavg()[0]
    try:
        with tempfile.TemporaryDirectory(prefix="asyncdlq-floor-") as tmp:
            text = measure(args, Path(tmp))
    except BenchError as exc:
        print(f"make_test_floor: {exc}", file=sys.stderr)
        return 1
    except subprocess.CalledProcessError as exc:
        print(f"make_test_floor: {shlex.join(exc.cmd)} failed ({exc.returncode})", file=sys.stderr)
        return 1
    # The machine is shared: the load says how much else competed for its cores.
    print(
        f"machine: {os.cpu_count()} cores, 1-min load average {load_before:.1f} at the start and "
        f"{os.getloadavg()[0]:.1f} at the end (anything else running shares these cores)"
    )
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
