"""What every part of bench/make_test_floor.py shares: progress lines and its one error."""

from __future__ import annotations

import sys
import time
from pathlib import Path

STEPS = ("init", "apply", "destroy")


class BenchError(RuntimeError):
    """Something the benchmark needs failed; the message says what."""


def say(text: str) -> None:
    # Progress goes to stderr so stdout holds only the report.
    print(f"[{time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


def label(tfdir: Path, repo: Path) -> str:
    """A stack directory as the report names it: relative to the repo when inside it."""
    try:
        return tfdir.relative_to(repo).as_posix()
    except ValueError:
        return tfdir.as_posix()
