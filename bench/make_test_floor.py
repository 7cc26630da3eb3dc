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
   (timed, but reported apart from the test), then ``make test`` with ASYNCDLQ_STACK_MANIFEST set,
   so the pytest plugin (also in the inner pytest runs the tests start) appends one JSON line per
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
mock providers, inner runs whose environment drops ASYNCDLQ_STACK_MANIFEST).

Timings depend on the machine's load: say what else ran when quoting them.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import shlex
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
MANIFEST_ENV = "ASYNCDLQ_STACK_MANIFEST"
TIME_SCALE = "1/60"
# Generous: one apply waits ~25 s per new queue on the provider alone; a hang must still end.
TERRAFORM_TIMEOUT_S = 900.0
CREATION = re.compile(
    r"(aws_sqs_queue|aws_lambda_function)\.\S+: Creation complete after (?:(\d+)m)?(\d+)s"
)
# A stack deploying the consumer example's handler needs that handler's zip, not lambda/'s.
APP_HANDLER = re.compile(r'^\s*handler\s*=\s*"app\.handler"', re.MULTILINE)
STEPS = ("init", "apply", "destroy")
REQUIRED_RATIO = 1.3
# Costs nothing and shows where the rest of the wall time goes; --pytest-args "" drops it.
DEFAULT_PYTEST_ARGS = "--durations=15"


class BenchError(RuntimeError):
    """Something the benchmark needs failed; the message says what."""


def say(text: str) -> None:
    # Progress goes to stderr so stdout holds only the report.
    print(f"[{time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


# --- the make test run ----------------------------------------------------------------------


@dataclass
class TestRun:
    install_s: float | None
    wall_s: float | None
    summary: str  # pytest's last line, e.g. "123 passed in 400.1s"
    slowest: list[str] = field(default_factory=list)


def _tail(path: Path, lines: int = 60) -> str:
    text = path.read_text(errors="replace") if path.exists() else ""
    return "\n".join(text.splitlines()[-lines:])


def _timed_make(target: str, repo: Path, env: Mapping[str, str], log: Path) -> tuple[float, int]:
    say(f"make {target} in {repo} (output: {log})")
    started = time.monotonic()
    with open(log, "wb") as out:
        code = subprocess.run(
            ["make", target],
            cwd=repo,
            env=dict(env),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            check=False,
        ).returncode
    return time.monotonic() - started, code


def _failed(target: str, code: int, elapsed: float, repo: Path, log: Path) -> BenchError:
    return BenchError(
        f"make {target} failed (exit {code}) after {elapsed:.0f}s in {repo}; "
        f"last lines of its output:\n{_tail(log)}"
    )


def _pytest_summary(log: Path) -> str:
    lines = [line.strip("= ").strip() for line in _tail(log, 20).splitlines() if line.strip()]
    found = [line for line in lines if re.search(r"\b(passed|failed|error)", line)]
    return found[-1] if found else "(no pytest summary line)"


def _slowest(log: Path) -> list[str]:
    """pytest's --durations table, where the run's time went besides terraform."""
    text = log.read_text(errors="replace") if log.exists() else ""
    heading = re.search(r"slowest (\d+ )?durations", text)
    if heading is None:
        return []
    lines = text[heading.end() :].splitlines()[1:]
    return [line for line in lines if re.match(r"\s*\d+\.\d+s ", line)]


def run_make_test(
    repo: Path, manifest: Path, logs: Path, pytest_args: str
) -> tuple[TestRun, BenchError | None]:
    """The timed ``make test``; a failure comes back with the run so its manifest is kept."""
    env = dict(os.environ)
    install_log, test_log = logs / "make-install.log", logs / "make-test.log"
    install_s, code = _timed_make("install", repo, env, install_log)
    if code != 0:
        raise _failed("install", code, install_s, repo, install_log)
    env[MANIFEST_ENV] = str(manifest)
    if pytest_args:
        env["PYTEST_ADDOPTS"] = pytest_args
    wall_s, code = _timed_make("test", repo, env, test_log)
    run = TestRun(install_s, wall_s, _pytest_summary(test_log), _slowest(test_log))
    return run, (_failed("test", code, wall_s, repo, test_log) if code != 0 else None)


# --- the manifest -----------------------------------------------------------------------------


@dataclass
class Recorded:
    """One stack the test run applied and destroyed, as the plugin recorded it."""

    tfdir: Path
    variables: dict[str, Any]
    timings: dict[str, float]

    def in_run(self, step: str) -> float:
        return float(self.timings.get(step, 0.0))

    @property
    def in_run_total(self) -> float:
        return sum(self.in_run(step) for step in STEPS)


def _meta_path(manifest: Path) -> Path:
    return manifest.with_name(manifest.name + ".meta.json")


def load_manifest(manifest: Path, repo: Path) -> list[Recorded]:
    """The recorded stacks, with directories of the repo the run used moved to ``repo``.

    A saved manifest outlives the clone it was recorded in; its sidecar names that clone, so the
    same stacks can be found in today's checkout.
    """
    recorded_root: Path | None = None
    meta = _meta_path(manifest)
    if meta.exists():
        recorded_root = Path(json.loads(meta.read_text())["repo"])
    stacks = []
    for number, line in enumerate(manifest.read_text().splitlines(), 1):
        if not line.strip():
            continue
        try:
            entry = json.loads(line)
            tfdir = Path(entry["tfdir"])
            variables = dict(entry.get("variables") or {})
            timings = {k: float(v) for k, v in (entry.get("timings") or {}).items()}
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise BenchError(
                f"{manifest}:{number} is not a stack record ({exc}): {line[:200]}"
            ) from None
        if recorded_root is not None and tfdir.is_relative_to(recorded_root):
            tfdir = repo / tfdir.relative_to(recorded_root)
        stacks.append(Recorded(tfdir, variables, timings))
    return stacks


def save_manifest(manifest: Path, repo: Path, run: TestRun) -> Path:
    """Keep the manifest (the clone goes away) so --skip-test can replay it later."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    kept = Path(tempfile.gettempdir()) / f"asyncdlq-make-test-manifest-{stamp}.jsonl"
    shutil.copyfile(manifest, kept)
    meta = {"repo": str(repo), "install_s": run.install_s, "wall_s": run.wall_s}
    meta["summary"], meta["slowest"] = run.summary, run.slowest
    _meta_path(kept).write_text(json.dumps(meta, indent=2) + "\n")
    return kept


def previous_run(manifest: Path) -> TestRun:
    meta = _meta_path(manifest)
    if not meta.exists():
        return TestRun(None, None, "(no record of the test run that wrote this manifest)")
    data = json.loads(meta.read_text())
    return TestRun(
        data.get("install_s"), data.get("wall_s"), data.get("summary", ""), data.get("slowest", [])
    )


# --- the bench's own emulator ---------------------------------------------------------------


@contextmanager
def own_emulator(state: Path) -> Iterator[str]:
    """An emulator on a free port for the replays (the harness's own, started the way a test
    run starts it); yields its endpoint, stops it on exit."""
    from asyncdlq.emulator import lease as emulator_lease
    from asyncdlq.emulator.process import EmulatorError, parse_time_scale

    try:
        info = emulator_lease.lease(state, endpoint=None, time_scale=parse_time_scale(TIME_SCALE))
    except EmulatorError as exc:
        raise BenchError(str(exc)) from exc
    try:
        say(f"emulator for the replays on {info.endpoint} (pid {info.pid})")
        yield info.endpoint
    finally:
        emulator_lease.release(state)


def make_queue(endpoint: str, region: str, name: str) -> str:
    import boto3

    from asyncdlq.target import LOCAL_CREDENTIALS

    sqs = boto3.client(
        "sqs",
        endpoint_url=endpoint,
        region_name=region,
        aws_access_key_id=LOCAL_CREDENTIALS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=LOCAL_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
    )
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    return sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]


# --- replays ------------------------------------------------------------------------------------


@dataclass
class Replay:
    """One standalone init/apply/destroy of a recorded stack."""

    recorded: Recorded
    work: Path
    seconds: dict[str, float] = field(default_factory=dict)
    provider_wait_s: int = 0
    error: str | None = None

    @property
    def total(self) -> float:
        return sum(self.seconds.get(step, 0.0) for step in STEPS)


def _why(output: str) -> str:
    """Terraform's own error block, the part of a failed run's output worth printing."""
    lines = [line.rstrip() for line in output.strip().splitlines()]
    start = next((i for i, line in enumerate(lines) if line.startswith("Error:")), None)
    kept = lines[-15:] if start is None else lines[start : start + 8]
    return "\n    ".join(line for line in kept if line.strip())


def provider_wait_s(apply_output: str) -> int:
    longest: dict[str, int] = {}
    for kind, minutes, seconds in CREATION.findall(apply_output):
        longest[kind] = max(longest.get(kind, 0), int(minutes or 0) * 60 + int(seconds))
    return sum(longest.values())


class Replayer:
    def __init__(self, repo: Path, work: Path, endpoint: str, dlq_arn: str) -> None:
        from asyncdlq.target import Target, current_target
        from asyncdlq.terraform_env import terraform_binary, terraform_env

        self.repo, self.work, self.dlq_arn = repo, work, dlq_arn
        target = Target("local", current_target().region, endpoint)
        # One shared CLI config and provider cache, as a test run shares .asyncdlq/.
        self.env = terraform_env(target, work / "terraform")
        self.binary = terraform_binary(self.env)
        self.packages: dict[Path, str] = {}
        self.token = secrets.token_hex(2)
        self.count = 0
        self.lock = threading.Lock()

    def _package(self, tfdir: Path) -> str:
        from asyncdlq.packaging import build_zip

        main = tfdir / "main.tf"
        uses_app = main.exists() and APP_HANDLER.search(main.read_text(errors="replace"))
        source = self.repo / ("examples/harness/handler" if uses_app else "lambda")
        with self.lock:
            if source not in self.packages:
                out = self.work / "packages" / f"{len(self.packages)}-{source.name}.zip"
                self.packages[source] = str(build_zip(source, out))
            return self.packages[source]

    def prepare(self, recorded: Recorded, phase: str) -> Replay:
        with self.lock:
            self.count += 1
            number = self.count
        work = self.work / "replays" / f"{phase}-{number:03d}"
        work.mkdir(parents=True)
        variables = {k: v for k, v in recorded.variables.items() if k != "tags"}
        if "package_path" in variables:
            variables["package_path"] = self._package(recorded.tfdir)
        if "dlq_arn" in variables:
            variables["dlq_arn"] = self.dlq_arn
        if "name_prefix" in variables:
            variables["name_prefix"] = f"flr{self.token}-{number}"
        (work / "vars.json").write_text(json.dumps(variables, indent=2, sort_keys=True) + "\n")
        return Replay(recorded, work)

    def _terraform(self, replay: Replay, step: str, *args: str) -> str:
        from asyncdlq.harness.stack import TerraformCommandError, run_with_timeout

        cmdline = [self.binary, step, "-input=false", "-no-color", *args]
        env = {**self.env, "TF_DATA_DIR": str(replay.work / "tf-data")}
        started = time.monotonic()
        try:
            done = run_with_timeout(
                cmdline, cwd=replay.recorded.tfdir, env=env, timeout_s=TERRAFORM_TIMEOUT_S
            )
        except TerraformCommandError as exc:
            raise BenchError(str(exc)) from None
        replay.seconds[step] = time.monotonic() - started
        output = done.stdout + done.stderr
        (replay.work / f"{step}.log").write_text(output)
        if done.returncode != 0:
            raise BenchError(f"terraform {step} exited {done.returncode}: {_why(output)}")
        return output

    def init_apply(self, replay: Replay) -> None:
        try:
            self._terraform(replay, "init")
            output = self._terraform(replay, "apply", *self._state_args(replay))
            replay.provider_wait_s = provider_wait_s(output)
        except BenchError as exc:
            replay.error = str(exc)

    def destroy(self, replay: Replay) -> None:
        if "init" not in replay.seconds:
            return  # nothing was applied
        try:
            self._terraform(replay, "destroy", *self._state_args(replay))
        except BenchError as exc:
            replay.error = (replay.error + "\n" if replay.error else "") + str(exc)

    def _state_args(self, replay: Replay) -> list[str]:
        return [
            "-auto-approve",
            f"-var-file={replay.work / 'vars.json'}",
            f"-state={replay.work / 'terraform.tfstate'}",
        ]


def replay_sequentially(replayer: Replayer, stacks: list[Recorded]) -> list[Replay]:
    done = []
    for index, recorded in enumerate(stacks, 1):
        replay = replayer.prepare(recorded, "seq")
        replayer.init_apply(replay)
        replayer.destroy(replay)
        state = "FAILED" if replay.error else f"{replay.total:.1f}s"
        say(f"replayed {index}/{len(stacks)} {label(recorded.tfdir, replayer.repo)}: {state}")
        done.append(replay)
    return done


def replay_in_parallel(replayer: Replayer, stacks: list[Recorded]) -> tuple[float, list[Replay]]:
    """Wall time of all init+apply at once, then all destroy at once."""
    replays = [replayer.prepare(recorded, "par") for recorded in stacks]
    if not replays:
        return 0.0, []
    with ThreadPoolExecutor(max_workers=len(replays)) as pool:
        started = time.monotonic()
        list(pool.map(replayer.init_apply, replays))
        applied = time.monotonic()
        say(f"parallel init+apply of {len(replays)} stacks: {applied - started:.1f}s")
        list(pool.map(replayer.destroy, replays))
        finished = time.monotonic()
        say(f"parallel destroy of {len(replays)} stacks: {finished - applied:.1f}s")
    return finished - started, replays


# --- the report -------------------------------------------------------------------------------


def label(tfdir: Path, repo: Path) -> str:
    try:
        return tfdir.relative_to(repo).as_posix()
    except ValueError:
        return tfdir.as_posix()


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
                f"plugin know {MANIFEST_ENV}?"
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
