"""The standalone replays of bench/make_test_floor.py: each recorded stack's plain terraform
init, apply and destroy with the same variables, on the bench's own emulator, one after another
and then all at once."""

from __future__ import annotations

import json
import re
import secrets
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from .common import STEPS, BenchError, label, say
from .manifest import Recorded

TIME_SCALE = "1/60"
# Generous: one apply waits ~25 s per new queue on the provider alone; a hang must still end.
TERRAFORM_TIMEOUT_S = 900.0
CREATION = re.compile(
    r"(aws_sqs_queue|aws_lambda_function)\.\S+: Creation complete after (?:(\d+)m)?(\d+)s"
)
# A stack deploying the consumer example's handler needs that handler's zip, not lambda/'s.
APP_HANDLER = re.compile(r'^\s*handler\s*=\s*"app\.handler"', re.MULTILINE)


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

        if not replay.recorded.tfdir.is_dir():
            # A test's temporary directory, pruned since (by a later pytest run, for one): the
            # missing working directory would otherwise read as a missing terraform binary.
            raise BenchError(f"{replay.recorded.tfdir} is gone")
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
