"""Argument types of the ``asyncdlq`` command and the parser that reports a bad one in one line.

Each type raises ``argparse.ArgumentTypeError`` with what to pass instead; ``OneLineParser``
prints that as a single line (no usage block) and exits 2.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
from pathlib import Path
from typing import Callable, NoReturn

from ..emulator.process import EmulatorError, parse_time_scale
from ..emulator.profile import EmulatorProfile, ProfileError, parse_profile

MAX_PORT = 65535


class OneLineParser(argparse.ArgumentParser):
    """argparse with its errors on one line: the problem, then where the help is."""

    def error(self, message: str) -> NoReturn:
        print(f"{self.prog}: {message}; see `{self.prog} --help`", file=sys.stderr)
        raise SystemExit(2)


def parse(parser: argparse.ArgumentParser, argv: list[str]) -> argparse.Namespace:
    """``parser.parse_args``, with an unknown option reported by the subcommand it was given to
    (argparse leaves those to the top-level parser, whose help does not list them)."""
    args, extra = parser.parse_known_args(argv)
    if extra:
        commands: dict[str, argparse.ArgumentParser] = {}
        for action in parser._actions:  # argparse keeps subparsers only here
            if isinstance(action, argparse._SubParsersAction):
                commands = action.choices
        owner = commands.get(getattr(args, "command", None) or "", parser)
        owner.error(f"unrecognized arguments: {' '.join(extra)}")
    return args


def port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if not 0 <= value <= MAX_PORT:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a TCP port; use 0-{MAX_PORT} (0 picks a free one), e.g. 4599"
        )
    return value


def time_scale(text: str) -> float:
    try:
        value = parse_time_scale(text)
        if not math.isfinite(value):
            raise EmulatorError(text)
        return value
    except (EmulatorError, OverflowError):
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a positive number; use e.g. 1 (AWS timing) or 1/60 (a minute "
            "per second)"
        ) from None


def seed(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number; e.g. 42") from None


def share(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a share between 0 and 1, e.g. 0.1")
    return value


def positive_int(example: str) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = 0
        if value <= 0:
            raise argparse.ArgumentTypeError(
                f"{text!r} is not a positive whole number; e.g. {example}"
            )
        return value

    return parse


def _number(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        return math.nan
    return value if math.isfinite(value) else math.nan


def positive_number(example: str) -> Callable[[str], float]:
    def parse(text: str) -> float:
        value = _number(text)
        if not value > 0:  # also refuses NaN
            raise argparse.ArgumentTypeError(f"{text!r} is not a positive number; e.g. {example}")
        return value

    return parse


def non_negative_number(example: str) -> Callable[[str], float]:
    def parse(text: str) -> float:
        value = _number(text)
        if not value >= 0:
            raise argparse.ArgumentTypeError(
                f"{text!r} is not a number of 0 or more; e.g. {example}"
            )
        return value

    return parse


def running_pid(text: str) -> int:
    try:
        pid = int(text)
    except ValueError:
        pid = 0
    if pid <= 0:  # os.kill(0 or -n, ...) would address a whole process group
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a process id; pass the pid of the run that started the emulator"
        )
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        raise argparse.ArgumentTypeError(
            f"no process {pid} is running; pass the pid of a running process (e.g. $$)"
        ) from None
    except PermissionError:
        pass  # it runs, as another user
    return pid


def writable_file(text: str) -> Path:
    path = Path(text)
    parent = path.parent
    if not parent.is_dir():
        raise argparse.ArgumentTypeError(
            f"{text!r}: the directory {parent} does not exist; create it or pass a path in an "
            "existing directory"
        )
    if path.is_dir():
        raise argparse.ArgumentTypeError(f"{text!r} is a directory; pass a file path in it")
    if not os.access(parent, os.W_OK):
        raise argparse.ArgumentTypeError(f"{text!r}: cannot write in {parent}; pick another path")
    return path


def host_name(text: str) -> str:
    # Lazy (here and in origin): request_guard costs 5-7 ms (`python -X importtime`) that every
    # command but `asyncdlq emulator` would pay at start-up, `asyncdlq --help` included.
    from ..emulator.request_guard import split_host

    parsed = split_host(text)
    if parsed is None or parsed[1] is not None or "/" in text:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a host name; pass the name alone, e.g. host.docker.internal"
        )
    return parsed[0]


def origin(text: str) -> str:
    from ..emulator.request_guard import OriginError, normalize_origin

    try:
        return normalize_origin(text)
    except OriginError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def emulator_profile(text: str) -> EmulatorProfile:
    """--profile: ``plain``, ``aws`` or ``aws:switch=value,...`` (emulator/profile.py)."""
    try:
        return parse_profile(text)
    except ProfileError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
