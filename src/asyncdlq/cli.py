"""The ``asyncdlq`` command: the emulator, packaging, terraform with the project's settings."""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path
from typing import Callable

from .cli_sweep import add_parser as add_sweep_parser
from .cli_views import add_parsers as add_view_parsers
from .harness.emulator_process import EmulatorError
from .target import TargetError, current_target

STATE_DIR = Path(os.environ.get("ASYNCDLQ_STATE_DIR", ".asyncdlq"))


def _time_scale(text: str) -> float:
    from .harness.emulator_process import EmulatorError, parse_time_scale

    try:
        return parse_time_scale(text)
    except EmulatorError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a positive number; use e.g. 1 (AWS timing) or 1/60 (a minute "
            "per second)"
        ) from None


def _rate(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a share between 0 and 1, e.g. 0.1")
    return value


def cmd_emulator(args: argparse.Namespace) -> int:
    from .emulator.server import EmulatorServer

    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    logging.getLogger("werkzeug").setLevel(logging.INFO if args.verbose else logging.WARNING)
    try:
        server = EmulatorServer(
            args.host,
            args.port,
            args.time_scale,
            args.async_payload_limit,
            duplicate_rate=args.duplicate_rate,
            seed=args.seed,
        )
    except OSError as exc:
        print(
            f"asyncdlq emulator: cannot listen on {args.host}:{args.port}: {exc.strerror}; "
            "stop whatever uses that port or pass --port",
            file=sys.stderr,
        )
        return 1

    def stop(signum: int, _frame: object) -> None:
        server.request_stop()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    if args.exit_with_pid:
        _stop_when_gone(args.exit_with_pid, server.request_stop)
    if args.ready_file:
        # Written whole and renamed, so a reader never sees half a file.
        ready = {"endpoint": server.endpoint_url, "pid": os.getpid()}
        partial = args.ready_file.with_name(args.ready_file.name + ".partial")
        partial.write_text(json.dumps(ready))
        partial.replace(args.ready_file)
    print(
        f"asyncdlq emulator listening on {server.endpoint_url} "
        f"(time scale {args.time_scale:g}, pid {os.getpid()})",
        flush=True,
    )
    server.serve_forever()
    pending = server.stop()
    for event in pending:
        print(
            f"asyncdlq emulator: event {event.request_id} for {event.function_name} was still "
            f"pending ({len(event.attempts)} attempt(s) run) at shutdown",
            file=sys.stderr,
        )
    print("asyncdlq emulator stopped", flush=True)
    return 0


def _stop_when_gone(pid: int, stop: Callable[[], None]) -> None:
    """Call ``stop`` once process ``pid`` has ended: a test run killed with SIGKILL can't stop the
    emulator it started, and a detached emulator would otherwise run on forever."""

    def watch() -> None:
        while True:
            time.sleep(1.0)
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                print(f"asyncdlq emulator: process {pid} has ended; stopping", flush=True)
                stop()
                return
            except PermissionError:
                pass  # alive, but someone else's

    threading.Thread(target=watch, daemon=True, name="exit-with-pid").start()


def cmd_package(args: argparse.Namespace) -> int:
    from .packaging import build_zip

    out = build_zip(args.source, args.output)
    print(f"packaged {args.source} -> {out}")
    return 0


def cmd_terraform(args: argparse.Namespace) -> int:
    from .terraform_env import TerraformConfigError, terraform_binary, terraform_env

    try:
        # TF_BINARY (default terraform): TF_BINARY=tofu runs OpenTofu with the same settings.
        terraform = terraform_binary()
    except TerraformConfigError as exc:
        print(f"asyncdlq: {exc}", file=sys.stderr)
        return 127
    env = terraform_env(current_target(), STATE_DIR.resolve())
    if not sys.stdout.isatty():
        # Plain lines in CI logs and files, not ANSI colour codes.
        env.setdefault("TF_CLI_ARGS", "-no-color")
    return subprocess.call([terraform, *args.args], env=env)


def cmd_up(args: argparse.Namespace) -> int:
    from .harness.emulator_process import configured_time_scale, is_answering, start_background

    target = current_target()
    if not target.is_local:
        return 0
    assert target.endpoint_url
    health = is_answering(target.endpoint_url)
    if health:
        print(
            f"using the emulator already answering at {target.endpoint_url} (pid {health.get('pid')})"
        )
        return 0
    scale = configured_time_scale()
    pid = start_background(target.endpoint_url, time_scale=scale, state_dir=STATE_DIR)
    print(
        f"started the emulator at {target.endpoint_url} (pid {pid}, time scale {scale:g}); "
        f"log: {STATE_DIR / 'emulator.log'}; stop it with: make stop"
    )
    return 0


def cmd_stop(args: argparse.Namespace) -> int:
    from .harness.emulator_process import stop

    print("stopped the emulator" if stop(STATE_DIR) else "no emulator started by make is running")
    return 0


def cmd_env(args: argparse.Namespace) -> int:
    target = current_target()
    if target.is_local:
        for key, value in sorted(target.env().items()):
            print(f"export {key}={value}" if value else f"unset {key}")
        if shutil.which("aws") is None:
            print(f'export PATH="{Path(sys.executable).parent}:$PATH"')
    else:
        print("unset AWS_ENDPOINT_URL")
        print(f"export AWS_REGION={target.region} AWS_DEFAULT_REGION={target.region}")
    return 0


def cmd_invocations(args: argparse.Namespace) -> int:
    target = current_target()
    if not target.is_local:
        print(
            "asyncdlq invocations lists the local emulator's invocations; TARGET=aws has none",
            file=sys.stderr,
        )
        return 2
    url = f"{target.endpoint_url}/_asyncdlq/invocations"
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            invocations = json.load(response)["invocations"]
    except OSError as exc:
        print(
            f"asyncdlq: no emulator answers at {target.endpoint_url} ({exc}); start one with "
            "`make up` or set ASYNCDLQ_ENDPOINT",
            file=sys.stderr,
        )
        return 1
    if args.json:
        print(json.dumps(invocations, indent=2))
        return 0
    for inv in invocations:
        extra = " (duplicate delivery)" if inv["duplicate"] else ""
        print(
            f"{inv['request_id']}  {inv['function_name']}:{inv['qualifier']}  "
            f"{inv['outcome'] or 'pending'}{extra}"
        )
        for number, attempt in enumerate(inv["attempts"], 1):
            offset = attempt["started_at"] - inv["received_at"]
            took = (attempt["ended_at"] - attempt["started_at"]) * 1000
            result = (
                "ok" if attempt["ok"] else f"{attempt['error_type']}: {attempt['error_message']}"
            )
            print(f"    attempt {number} at +{offset:.2f}s, {took:.0f} ms: {result}")
        if inv["throttles"]:
            print(f"    throttled {inv['throttles']} time(s)")
        for delivery in inv["deliveries"]:
            state = "delivered" if delivery["delivered"] else f"DROPPED ({delivery['error']})"
            print(f"    {delivery['kind']} -> {delivery['target']}: {state}")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from .demo import run_demo

    return run_demo(STATE_DIR)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="asyncdlq", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("emulator", help="run the local AWS emulator in the foreground")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=4599)
    p.add_argument(
        "--time-scale",
        type=_time_scale,
        default=1.0,
        help="1 = AWS's retry timing; 1/60 compresses a minute into a second",
    )
    p.add_argument(
        "--async-payload-limit",
        type=int,
        default=None,
        help="bytes accepted by an Event invoke (default 1048576, AWS since Oct 2025)",
    )
    p.add_argument(
        "--duplicate-rate",
        type=_rate,
        default=0.0,
        help="share of async events delivered twice, to test a handler's idempotency "
        "(AWS delivers at least once); default 0",
    )
    p.add_argument("--seed", type=int, default=None, help="makes --duplicate-rate repeatable")
    p.add_argument("--verbose", action="store_true", help="log every request")
    p.add_argument(
        "--exit-with-pid",
        type=int,
        default=None,
        help="stop once this process has ended (the test run that started the emulator)",
    )
    p.add_argument(
        "--ready-file",
        type=Path,
        default=None,
        help="write {endpoint, pid} as JSON here once listening (with --port 0: the chosen port)",
    )
    p.set_defaults(func=cmd_emulator)

    p = sub.add_parser("package", help="build the deployment zip deterministically")
    p.add_argument("source", type=Path)
    p.add_argument("output", type=Path)
    p.set_defaults(func=cmd_package)

    p = sub.add_parser("terraform", help="run terraform against the current TARGET")
    p.add_argument("args", nargs=argparse.REMAINDER)
    p.set_defaults(func=cmd_terraform)

    p = sub.add_parser("invocations", help="list the emulator's async invocations and attempts")
    p.add_argument("--json", action="store_true", help="the raw records, as JSON")
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
        args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except (TargetError, EmulatorError) as exc:
        print(f"asyncdlq: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
