"""Find or start the local AWS emulator (``python -m asyncdlq emulator``) for a session: a test
run, the demo, ``asyncdlq up``.

An emulator already answering at the endpoint is used as is (a developer may keep one running);
otherwise one is started in the background (background.py) and stopped again by whoever started
it, unless it is meant to outlive them.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

from ..progress import say
from .background import EmulatorError, is_answering, leave_running, start_background, stop


@dataclass(frozen=True)
class EmulatorInfo:
    """An emulator a session uses; ``started_here``: this session started it (and stops it)."""

    endpoint: str
    pid: int | None
    time_scale: float | None
    started_here: bool


DEFAULT_TIME_SCALE = "1/60"  # what make and the tests use: a minute of retry delay per second


def configured_time_scale() -> float:
    """The time scale an emulator started by make, the demo or the tests runs at."""
    return parse_time_scale(os.environ.get("EMULATOR_TIME_SCALE") or DEFAULT_TIME_SCALE)


def parse_time_scale(text: str) -> float:
    """'1/60', '0.5' or '1' -> float; the error names EMULATOR_TIME_SCALE."""
    try:
        value = float(Fraction(text.strip()))
    except (ValueError, ZeroDivisionError):
        value = 0.0
    if value <= 0:
        raise EmulatorError(
            f"EMULATOR_TIME_SCALE={text!r} is not a positive number; use e.g. 1/60 or 0.05"
        )
    return value


def adopt(endpoint: str, health: dict[str, Any], time_scale: float) -> EmulatorInfo:
    """An emulator that was already running, as found; says so if its time scale differs."""
    running = health.get("time_scale")
    if isinstance(running, (int, float)) and abs(running - time_scale) > 1e-9:
        say(
            f"using the emulator already on {endpoint} with time scale {running:g} "
            f"(this run asked for {time_scale:g}; timings follow the running one)"
        )
    return EmulatorInfo(endpoint, health.get("pid"), running, started_here=False)


@contextlib.contextmanager
def running_emulator(
    endpoint: str, time_scale: float, state_dir: Path, *, keep: bool = False
) -> Iterator[EmulatorInfo]:
    """Use the emulator answering at ``endpoint``, or start one and stop it on exit.

    ``keep=True`` leaves a started emulator running (kept stacks live only inside it).
    """
    health = is_answering(endpoint)
    if health is not None:
        yield adopt(endpoint, health, time_scale)
        return
    try:
        pid = start_background(endpoint, time_scale=time_scale, state_dir=state_dir)
    except EmulatorError:
        # Another test run may have won the race for the port; use its emulator if so.
        health = is_answering(endpoint)
        if health is None:
            raise
        yield EmulatorInfo(endpoint, health.get("pid"), health.get("time_scale"), False)
        return
    try:
        yield EmulatorInfo(endpoint, pid, time_scale, started_here=True)
    finally:
        if keep:
            leave_running(pid)
            say(f"left the emulator running on {endpoint} (pid {pid}); stop it with: kill {pid}")
        else:
            stop(state_dir)


def ensure_running(endpoint: str, state_dir: Path) -> EmulatorInfo:
    """The emulator answering at ``endpoint``, or one started there in the background at the
    configured time scale that runs on after this process (``asyncdlq up``)."""
    health = is_answering(endpoint)
    if health is not None:
        return EmulatorInfo(endpoint, health.get("pid"), health.get("time_scale"), False)
    scale = configured_time_scale()
    pid = start_background(endpoint, time_scale=scale, state_dir=state_dir)
    leave_running(pid)
    return EmulatorInfo(endpoint, pid, scale, started_here=True)
