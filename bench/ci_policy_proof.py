"""Prove examples/ci's deployer policy sufficient and minimal, against the emulator.

    .venv/bin/python bench/ci_policy_proof.py [--tests T...] [--only SID...] [--record]

1. Starts the emulator in this process with caller IAM enforced (caller_iam.py).
2. As the bootstrap identity (the ``test`` key, the account's administrator) applies
   examples/ci's stack, reads the deployer policy it created, and attaches that policy (and
   nothing else) to a user.
3. Runs the CI path with every request evaluated as that user: ``asyncdlq sweep``, then the
   end-to-end tests (pytest, TARGET=local, against this emulator), which apply, invoke, wait for
   the DLQ and destroy their stacks. It must pass with no AccessDenied.
4. For each statement in turn: the policy without it, the same path again (stopping at the first
   failure); some step must fail with AccessDenied. Prints the step and the error.

``--record`` runs step 3 once as a user allowed everything and prints each IAM action and
resource the path needed: what the policy was written from.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from asyncdlq.emulator import caller_iam  # noqa: E402
from asyncdlq.emulator.server import EmulatorServer  # noqa: E402
from asyncdlq.target import Target  # noqa: E402
from asyncdlq.terraform_env import terraform_binary, terraform_env  # noqa: E402

REGION = "us-east-1"
WORKERS = 4  # pytest-xdist workers per run: most of a run is the provider waiting
USER = "ci-proof-deployer"  # outside PREFIX, like the real deployer role
PREFIX = "adlq-"  # examples/ci's resource_prefix default: the harness's run prefix
# The end-to-end path: the seed tutorial, and each example the suite applies on TARGET=aws.
DEFAULT_TESTS = ["tests/test_seed_e2e.py", "tests/examples"]
ALLOW_ALL = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
}


@dataclass
class Outcome:
    passed: bool
    step: str  # "sweep" or "pytest"
    denied: list[caller_iam.Decided]
    seconds: float
    tail: str


@contextlib.contextmanager
def enforcing_emulator() -> Iterator[tuple[EmulatorServer, caller_iam.CallerIam]]:
    server = EmulatorServer("127.0.0.1", 0, time_scale=1 / 60).start()
    guard = caller_iam.install(server)
    try:
        yield server, guard
    finally:
        caller_iam.uninstall(server)
        server.stop()


def admin(endpoint: str, service: str) -> Any:
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )


def _env(endpoint: str, work: Path) -> dict[str, str]:
    target = Target("local", REGION, endpoint)
    env = terraform_env(target, work)
    env.update({"TARGET": "local", "ASYNCDLQ_ENDPOINT": endpoint, "AWS_REGION": REGION})
    env.pop("ASYNCDLQ_EMULATOR_PROFILE", None)
    env["PYTHONPATH"] = str(ROOT / "src")  # this tree's package, also when run from a copy
    return env


def apply_ci_stack(endpoint: str, work: Path) -> str:
    """Apply examples/ci as the administrator; the ARN of the deployer policy it created."""
    env = _env(endpoint, work)
    env["TF_DATA_DIR"] = str(work / "ci-tfdata")
    tf = [terraform_binary(env), f"-chdir={ROOT / 'examples' / 'ci'}"]
    subprocess.run([*tf, "init", "-input=false"], env=env, check=True, capture_output=True)
    variables = ["-var", "github_repository=example-org/asyncdlq", "-var", f"region={REGION}"]
    state = f"-state={work / 'ci.tfstate'}"
    done = subprocess.run(
        [*tf, "apply", "-auto-approve", "-input=false", state, *variables],
        env=env,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise SystemExit(f"applying examples/ci failed:\n{done.stdout[-3000:]}{done.stderr}")
    out = subprocess.run(
        [*tf, "output", state, "-raw", "policy_arn"], env=env, check=True, capture_output=True
    )
    return out.stdout.decode().strip()


def policy_document(endpoint: str, policy_arn: str) -> dict[str, Any]:
    iam = admin(endpoint, "iam")
    version = iam.get_policy(PolicyArn=policy_arn)["Policy"]["DefaultVersionId"]
    document = iam.get_policy_version(PolicyArn=policy_arn, VersionId=version)
    raw = document["PolicyVersion"]["Document"]
    return raw if isinstance(raw, dict) else json.loads(raw)


def grant(endpoint: str, document: dict[str, Any]) -> None:
    """The proof user holds exactly ``document`` (as its only, inline, policy)."""
    iam = admin(endpoint, "iam")
    with contextlib.suppress(iam.exceptions.EntityAlreadyExistsException):
        iam.create_user(UserName=USER)
    iam.put_user_policy(UserName=USER, PolicyName="deployer", PolicyDocument=json.dumps(document))


def run_path(endpoint: str, guard: caller_iam.CallerIam, tests: list[str], work: Path) -> Outcome:
    """sweep, then the tests, every request evaluated as the proof user; stop at a failure."""
    guard.clear()
    guard.act_as = USER
    started = time.monotonic()
    env = _env(endpoint, work)
    bin_dir = ROOT / ".venv" / "bin"
    steps = [
        ("sweep", [str(bin_dir / "asyncdlq"), "sweep", "--older-than", "0s"]),
        (
            "pytest",
            [
                str(bin_dir / "python"),
                "-m",
                "pytest",
                "-q",
                "-x",
                "-p",
                "no:cacheprovider",
                "-n",
                str(WORKERS),
                "--dist",
                "loadscope",
                *tests,
            ],
        ),
    ]
    try:
        for step, argv in steps:
            done = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True)
            if done.returncode != 0:
                tail = (done.stdout + done.stderr)[-2500:]
                return Outcome(False, step, guard.denials(), time.monotonic() - started, tail)
        return Outcome(True, "", guard.denials(), time.monotonic() - started, "")
    finally:
        guard.act_as = None


def record(endpoint: str, guard: caller_iam.CallerIam, tests: list[str], work: Path) -> None:
    grant(endpoint, ALLOW_ALL)
    outcome = run_path(endpoint, guard, tests, work)
    print(f"allow-all run: passed={outcome.passed} in {outcome.seconds:.0f} s")
    seen: dict[str, set[str]] = {}
    for d in guard.decisions():
        if d.action:
            seen.setdefault(d.action, set()).add(d.resource)
    for action in sorted(seen):
        print(f"{action:45} {' '.join(sorted(seen[action]))[:300]}")
    if not outcome.passed:
        print(outcome.tail)


def without(document: dict[str, Any], sid: str) -> dict[str, Any]:
    kept = [s for s in document["Statement"] if s.get("Sid") != sid]
    return {**document, "Statement": kept}


def relevant(denied: list[caller_iam.Decided]) -> list[caller_iam.Decided]:
    """All denials but the sweep's tag reads outside PREFIX: the sweep reads the tags of every
    role, function, queue... it lists, to find run-tagged ones of any name, and skips those it
    may not read (here: the deployer role itself), which breaks nothing."""
    return [d for d in denied if not (d.action in _TAG_READS and PREFIX not in d.resource)]


_TAG_READS = {
    "iam:ListRoleTags",
    "lambda:ListTags",
    "sqs:ListQueueTags",
    "sns:ListTagsForResource",
    "logs:ListTagsForResource",
    "events:ListTagsForResource",
    "s3:GetBucketTagging",
}


def first_denial(outcome: Outcome) -> str:
    denied = relevant(outcome.denied)
    if not denied:
        return "no AccessDenied (failed otherwise)"
    d = denied[0]
    return f"{d.operation} denied: {d.action} on {d.resource}"


def unexercised(document: dict[str, Any], decisions: list[caller_iam.Decided]) -> list[str]:
    """Actions of the policy that no allowed request of the run matched."""
    from asyncdlq.emulator.iam_eval import wildcard_match

    used = {d.action for d in decisions if d.allowed and d.action}
    listed = [a for s in document["Statement"] for a in s["Action"]]
    return [a for a in listed if not any(wildcard_match(a, u, ignore_case=True) for u in used)]


def _fan_out(sids: list[str], jobs: int, tests: list[str]) -> int:
    """One process (and emulator) per statement, ``jobs`` at a time; their lines as they end."""
    pending = list(sids)
    running: list[tuple[str, subprocess.Popen[str]]] = []
    failures = 0
    me = [sys.executable, __file__, "--no-full", "--tests", *tests, "--only"]
    while pending or running:
        while pending and len(running) < jobs:
            sid = pending.pop(0)
            proc = subprocess.Popen([*me, sid], stdout=subprocess.PIPE, text=True)
            running.append((sid, proc))
        time.sleep(1)
        for sid, proc in list(running):
            if proc.poll() is None:
                continue
            running.remove((sid, proc))
            out = proc.stdout.read() if proc.stdout else ""
            for line in out.splitlines():
                if line.startswith("without "):
                    print(line, flush=True)
            failures += 0 if proc.returncode == 0 else 1
    return failures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tests", nargs="*", default=DEFAULT_TESTS)
    parser.add_argument("--only", nargs="*", help="remove only these statements (Sids)")
    parser.add_argument("--record", action="store_true")
    parser.add_argument("--no-full", action="store_true", help="skip the full-policy run")
    parser.add_argument("--jobs", type=int, default=1, help="statements checked at a time")
    args = parser.parse_args()
    started = time.monotonic()
    with (
        tempfile.TemporaryDirectory(prefix="ci-proof-") as tmp,
        enforcing_emulator() as (
            server,
            guard,
        ),
    ):
        work = Path(tmp)
        endpoint = server.endpoint_url
        if args.record:
            record(endpoint, guard, args.tests, work)
            return 0
        document = policy_document(endpoint, apply_ci_stack(endpoint, work))
        sids = [str(s.get("Sid")) for s in document["Statement"]]
        print(f"deployer policy from examples/ci: {len(sids)} statements: {', '.join(sids)}")
        failures = 0
        if not args.no_full:
            grant(endpoint, document)
            full = run_path(endpoint, guard, args.tests, work)
            verdict = "PASS" if full.passed and not relevant(full.denied) else "FAIL"
            print(
                f"full policy: {verdict} in {full.seconds:.0f} s ({len(guard.decisions())} checks)"
            )
            outside = {(d.action, d.resource) for d in full.denied} - {
                (d.action, d.resource) for d in relevant(full.denied)
            }
            for action, resource in sorted(outside):
                print(f"  tolerated denial outside {PREFIX}*: {action} on {resource}")
            if verdict == "FAIL":
                failures += 1
                print(f"  {full.step}: {first_denial(full)}\n{full.tail}")
        if not args.no_full:
            unused = unexercised(document, guard.decisions())
            print(f"actions no request of the full run needed: {', '.join(unused) or 'none'}")
        if args.jobs > 1 and not args.only:
            failures += _fan_out(sids, args.jobs, args.tests)
            sids = []
        for sid in args.only or sids:
            grant(endpoint, without(document, sid))
            outcome = run_path(endpoint, guard, args.tests, work)
            denied = not outcome.passed and bool(relevant(outcome.denied))
            failures += 0 if denied else 1
            verdict = "needed" if denied else "NOT SHOWN NEEDED"
            print(
                f"without {sid}: {verdict} ({outcome.seconds:.0f} s): "
                f"{outcome.step or 'all steps passed'}: {first_denial(outcome)}"
            )
    print(f"total {time.monotonic() - started:.0f} s; {failures} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
