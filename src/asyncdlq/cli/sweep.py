"""``asyncdlq sweep``: delete what crashed harness runs left on the current target.

Exit status: 0 when nothing failed, 1 when some deletions failed (or no emulator answers),
2 on bad input (a duration, an empty prefix, the TARGET=aws account guardrail).
"""

from __future__ import annotations

import argparse
import sys
import urllib.error
import urllib.request
from datetime import timedelta
from typing import Any

from ..harness.tags import NAME_PREFIX
from ..target import TargetError, current_target


def _older_than(text: str) -> timedelta:
    from ..harness.sweep import DurationError, parse_duration

    try:
        return parse_duration(text)
    except DurationError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _prefix(text: str) -> str:
    if not text.strip():
        raise argparse.ArgumentTypeError(
            f"the prefix must not be empty (it would match every resource); e.g. {NAME_PREFIX}"
        )
    return text.strip()


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add ``sweep`` to the ``asyncdlq`` command's subparsers."""
    p = subparsers.add_parser(
        "sweep",
        help="delete what crashed test runs left (found by tag and name prefix) on the TARGET",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--older-than",
        type=_older_than,
        required=True,
        metavar="DURATION",
        help="delete only what is older than this, e.g. 2h, 30m, 1d, 1h30m",
    )
    p.add_argument(
        "--prefix",
        type=_prefix,
        default=NAME_PREFIX,
        help=f"name (and run id) prefix of what to sweep (default {NAME_PREFIX})",
    )
    p.add_argument("--dry-run", action="store_true", help="report what would go; delete nothing")
    p.set_defaults(func=cmd_sweep)
    return p


def _answers(endpoint: str) -> bool:
    try:
        with urllib.request.urlopen(f"{endpoint}/_asyncdlq/health", timeout=5):
            return True
    except urllib.error.HTTPError:
        return True  # an error status is still an answer: any AWS-compatible endpoint will do
    except OSError:
        return False


def cmd_sweep(args: argparse.Namespace) -> int:
    from ..client.clients import clients
    from ..harness.guardrail import GuardrailError, check_account
    from ..harness.sweep import sweep

    try:
        target = current_target()
    except TargetError as exc:
        print(f"asyncdlq sweep: {exc}", file=sys.stderr)
        return 2
    c = clients(target)
    if target.is_local:
        assert target.endpoint_url
        if not _answers(target.endpoint_url):
            print(
                f"asyncdlq sweep: no emulator answers at {target.endpoint_url}; nothing to sweep "
                "(start one with `make up`, or set ASYNCDLQ_ENDPOINT to where it listens)",
                file=sys.stderr,
            )
            return 1
    else:
        try:
            check_account(c.client("sts"))
        except GuardrailError as exc:
            print(f"asyncdlq sweep: {exc}", file=sys.stderr)
            return 2
    where = target.endpoint_url or f"AWS {target.region}"
    print(f"sweeping {where}{' (dry run)' if args.dry_run else ''}", flush=True)
    report = sweep(c, older_than=args.older_than, prefix=args.prefix, dry_run=args.dry_run)
    print(report.render())
    return 1 if report.failed else 0
