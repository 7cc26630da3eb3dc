"""The ``asyncdlq`` command: the emulator, packaging, terraform with the project's settings."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from ..emulator.background import LOG_FILE, EmulatorError, stop
from ..emulator.event_log import DEFAULT_EVENT_LOG_BYTES
from ..emulator.process import ensure_running
from ..packaging import PackagingError, build_zip
from ..shell_env import AWSCLI_CONFIG, aws_env_lines, local_env_lines
from ..target import TargetError, current_target
from ..terraform_env import TerraformConfigError, terraform_binary, terraform_env
from . import arguments, introspection
from .sweep import add_parser as add_sweep_parser
from .views import add_parsers as add_view_parsers

STATE_DIR = Path(os.environ.get("ASYNCDLQ_STATE_DIR", ".asyncdlq"))
_MB = 1024 * 1024


def cmd_emulator(args: argparse.Namespace) -> int:
    # Lazy: the server pulls in moto and Flask: 300-400 ms (measured on top of this module's own
    # imports) that every other command and `asyncdlq --help` would pay at start-up.
    from ..emulator import foreground
    from ..emulator.profile import PROFILE_ENV, ProfileError, configured_profile

    try:
        profile = args.profile or configured_profile()
    except ProfileError as exc:
        print(f"asyncdlq emulator: {PROFILE_ENV}: {exc}", file=sys.stderr)
        return 2
    try:
        foreground.serve(
            args.host,
            args.port,
            args.time_scale,
            verbose=args.verbose,
            ready_file=args.ready_file,
            exit_with_pid=args.exit_with_pid,
            async_payload_limit=args.async_payload_limit,
            duplicate_rate=args.duplicate_rate,
            seed=args.seed,
            cors_origins=args.cors_origin,
            allow_moto_api=args.allow_moto_api,
            allowed_hosts=args.allow_host,
            profile=profile,
            enforce_caller_iam=args.enforce_iam,
            caller_iam_act_as=args.iam_act_as,
            **_bounds(args),
        )
    except foreground.CannotListen as exc:
        print(
            f"asyncdlq emulator: cannot listen on {exc.host}:{exc.port}: {exc.strerror}; "
            "stop whatever uses that port or pass --port",
            file=sys.stderr,
        )
        return 1
    except foreground.CannotWriteReadyFile as exc:
        print(
            f"asyncdlq emulator: cannot write --ready-file {exc.path}: "
            f"{exc.strerror}; pass a path in a writable directory",
            file=sys.stderr,
        )
        return 2
    return 0


def _bounds(args: argparse.Namespace) -> dict[str, float | int]:
    """The resource bounds given on the command line; the rest keep the emulator's defaults."""
    bounds: dict[str, float | int] = {}
    if args.idle_timeout is not None:
        bounds["idle_timeout_s"] = args.idle_timeout
    if args.event_log_mb is not None:
        bounds["event_log_bytes"] = int(args.event_log_mb * _MB)
    return bounds


def cmd_package(args: argparse.Namespace) -> int:
    try:
        out = build_zip(args.source, args.output)
    except PackagingError as exc:
        print(f"asyncdlq package: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(
            f"asyncdlq package: {exc.filename or args.output}: {exc.strerror}; check that the "
            "source is readable and the output's directory writable",
            file=sys.stderr,
        )
        return 1
    print(f"packaged {args.source} -> {out}")
    return 0


def cmd_terraform(args: argparse.Namespace) -> int:
    target = current_target()
    if not target.is_local:
        # Lazy: the guardrail needs boto3, which no local terraform command should wait for.
        from ..harness.guardrail import GuardrailError, check_target, terraform_reaches_account

        if terraform_reaches_account(args.args):
            try:
                check_target(target)
            except GuardrailError as exc:
                print(f"asyncdlq terraform: {exc}", file=sys.stderr)
                return 2
    try:
        # TF_BINARY (default terraform): TF_BINARY=tofu runs OpenTofu with the same settings.
        terraform = terraform_binary()
    except TerraformConfigError as exc:
        print(f"asyncdlq: {exc}", file=sys.stderr)
        return 127
    env = terraform_env(target, STATE_DIR.resolve())
    if not sys.stdout.isatty():
        # Plain lines in CI logs and files, not ANSI colour codes.
        env.setdefault("TF_CLI_ARGS", "-no-color")
    return subprocess.call([terraform, *args.args], env=env)


def cmd_up(args: argparse.Namespace) -> int:
    target = current_target()
    if not target.is_local:
        return 0
    assert target.endpoint_url
    found = ensure_running(target.endpoint_url, STATE_DIR)
    if not found.started_here:
        print(f"using the emulator already answering at {found.endpoint} (pid {found.pid})")
        return 0
    print(
        f"started the emulator at {found.endpoint} (pid {found.pid}, time scale "
        f"{found.time_scale:g}); log: {STATE_DIR / LOG_FILE}; stop it with: make stop"
    )
    return 0


def cmd_stop(args: argparse.Namespace) -> int:
    print("stopped the emulator" if stop(STATE_DIR) else "no emulator started by make is running")
    return 0


def cmd_env(args: argparse.Namespace) -> int:
    target = current_target()
    if not target.is_local:
        # Undoes what the local branch set (its saved values back), so the next TARGET=aws
        # command does not run with the emulator's keys or endpoint.
        for line in aws_env_lines(os.environ):
            print(line)
        return 0
    here = Path(sys.executable).parent
    found = shutil.which("aws")
    ours = found is None or _same_file(Path(found), here / "aws")
    # The AWS CLI plugin that lets `aws sqs` reach the emulator is importable only by this
    # environment's CLI; any other `aws` would fail to start with it configured.
    config = (STATE_DIR / AWSCLI_CONFIG).resolve() if ours else None
    for line in local_env_lines(target, os.environ, config):
        print(line)
    if found is None:
        print(f'export PATH="{here}:$PATH"')
    elif not ours:
        print(
            f"asyncdlq env: {found} is not this project's AWS CLI ({here / 'aws'}); if it is "
            "CLI v1, give `aws sqs` --endpoint-url $AWS_ENDPOINT_URL",
            file=sys.stderr,
        )
    return 0


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.samefile(b)
    except OSError:
        return False


def cmd_invocations(args: argparse.Namespace) -> int:
    target = current_target()
    if not target.is_local:
        print(
            "asyncdlq invocations lists the local emulator's invocations; TARGET=aws has none",
            file=sys.stderr,
        )
        return 2
    assert target.endpoint_url
    try:
        body = introspection.fetch(target.endpoint_url)
    except (OSError, ValueError) as exc:
        print(
            f"asyncdlq: no emulator answers at {target.endpoint_url} ({exc}); start one with "
            "`make up` or set ASYNCDLQ_ENDPOINT",
            file=sys.stderr,
        )
        return 1
    if args.json:
        print(json.dumps(body, indent=2))
        return 0
    for line in introspection.render(body):
        print(line)
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    # Lazy: the demo's stack and tftest would add ~11 ms (measured) to `asyncdlq --help`.
    from .demo import run_demo

    return run_demo(STATE_DIR)


def build_parser() -> argparse.ArgumentParser:
    parser = arguments.OneLineParser(prog="asyncdlq", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("emulator", help="run the local AWS emulator in the foreground")
    p.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default 127.0.0.1); any other lets whoever reaches the port "
        "run code on this machine",
    )
    p.add_argument("--port", type=arguments.port, default=4599, help="0-65535, 0 picks a free port")
    p.add_argument(
        "--time-scale",
        type=arguments.time_scale,
        default=1.0,
        help="1 = AWS's retry timing; 1/60 compresses a minute into a second",
    )
    p.add_argument(
        "--profile",
        type=arguments.emulator_profile,
        default=None,
        metavar="NAME[:SWITCH=VALUE,...]",
        help="plain (exact and instant) or aws (AWS at its least convenient: late retries, "
        "delayed logs, throttles, IAM propagation, duplicates...); default "
        "$ASYNCDLQ_EMULATOR_PROFILE, else plain",
    )
    p.add_argument(
        "--enforce-iam",
        action="store_true",
        help="authorize each signed request against the IAM policies of its access key (keys "
        "the emulator issued); other keys act as the administrator",
    )
    p.add_argument(
        "--iam-act-as",
        metavar="USER",
        default=None,
        help="with --enforce-iam: judge requests signed with other keys (e.g. test) as this "
        "IAM user",
    )
    p.add_argument(
        "--async-payload-limit",
        type=arguments.positive_int("262144"),
        default=None,
        help="bytes accepted by an Event invoke (default 1048576, AWS since Oct 2025)",
    )
    p.add_argument(
        "--duplicate-rate",
        type=arguments.share,
        default=0.0,
        help="share of async events delivered twice, to test a handler's idempotency "
        "(AWS delivers at least once); default 0",
    )
    p.add_argument(
        "--seed", type=arguments.seed, default=None, help="makes --duplicate-rate repeatable"
    )
    p.add_argument(
        "--idle-timeout",
        type=arguments.positive_number("300"),
        default=None,
        metavar="SECONDS",
        help="how long an idle execution environment is kept before it is retired",
    )
    p.add_argument(
        "--event-log-mb",
        type=arguments.non_negative_number("64"),
        default=None,
        metavar="MB",
        help=f"memory budget of the event log kept for introspection (default "
        f"{DEFAULT_EVENT_LOG_BYTES // _MB} MB): over it, finished events lose their payloads, "
        "then go; pending events are always kept",
    )
    p.add_argument("--verbose", action="store_true", help="log every request")
    p.add_argument(
        "--exit-with-pid",
        type=arguments.running_pid,
        default=None,
        help="stop once this process has ended (the test run that started the emulator)",
    )
    p.add_argument(
        "--ready-file",
        type=arguments.writable_file,
        default=None,
        help="write {endpoint, pid} as JSON here once listening (with --port 0: the chosen port)",
    )
    p.add_argument(
        "--cors-origin",
        type=arguments.origin,
        action="append",
        default=[],
        metavar="ORIGIN",
        help="let the web page at this origin (e.g. http://localhost:3000) call the emulator; "
        "repeatable. Without it no page can",
    )
    p.add_argument(
        "--allow-host",
        type=arguments.host_name,
        action="append",
        default=[],
        metavar="NAME",
        help="also answer requests for this host name (loopback names and the listening "
        "address always work); repeatable",
    )
    p.add_argument(
        "--allow-moto-api",
        action="store_true",
        help="serve moto's own /moto-api/ (recorder, dashboard, seeding); off by default, "
        "POST /moto-api/reset always works",
    )
    p.set_defaults(func=cmd_emulator)

    p = sub.add_parser("package", help="build the deployment zip deterministically")
    p.add_argument("source", type=Path)
    p.add_argument("output", type=Path)
    p.set_defaults(func=cmd_package)

    p = sub.add_parser("terraform", help="run terraform against the current TARGET")
    p.add_argument("args", nargs=argparse.REMAINDER)
    p.set_defaults(func=cmd_terraform)

    p = sub.add_parser(
        "invocations",
        help="list the emulator's async invocations, their attempts and refused triggers",
    )
    p.add_argument(
        "--json", action="store_true", help='the raw records, as JSON: {"invocations", "refused"}'
    )
    p.set_defaults(func=cmd_invocations)

    add_sweep_parser(sub)
    add_view_parsers(sub)

    for name, func, text in [
        ("up", cmd_up, "start the emulator in the background unless one answers (TARGET=local)"),
        ("stop", cmd_stop, "stop the background emulator"),
        ("env", cmd_env, "print export lines that point the AWS CLI at the current TARGET"),
        ("demo", cmd_demo, "the whole seed tutorial, narrated"),
    ]:
        sub.add_parser(name, help=text).set_defaults(func=func)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["terraform"]:
        # Everything after `terraform` is terraform's, as written: argparse's REMAINDER refuses
        # a first argument that looks like an option (`asyncdlq terraform -chdir=dir init`).
        args = argparse.Namespace(func=cmd_terraform, args=argv[1:])
    else:
        args = arguments.parse(build_parser(), argv)
    try:
        return int(args.func(args))
    except (TargetError, EmulatorError) as exc:
        print(f"asyncdlq: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("asyncdlq: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
