"""The timed ``make test`` of bench/make_test_floor.py, with the stack manifest plugin loaded
into it and into the pytest runs its tests start."""

from __future__ import annotations

import os
import re
import subprocess
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from .common import BenchError, say

# bench/plugins/stack_manifest_plugin.py, loaded by name from its own directory.
PLUGIN_DIR = Path(__file__).resolve().parents[1] / "plugins"
PLUGIN = "stack_manifest_plugin"
MANIFEST_ENV = "ASYNCDLQ_STACK_MANIFEST"


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


def recording_env(env: Mapping[str, str], manifest: Path) -> dict[str, str]:
    """``env`` plus what makes every pytest started under it record its stacks in ``manifest``.

    Through the environment rather than ``-p``: inner pytest runs inherit it (pytester drops
    PYTEST_ADDOPTS but keeps PYTEST_PLUGINS), and xdist workers load PYTEST_PLUGINS too.
    """
    out = dict(env)
    out[MANIFEST_ENV] = str(manifest)
    out["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PLUGIN_DIR), env.get("PYTHONPATH")]))
    plugins = [p for p in env.get("PYTEST_PLUGINS", "").split(",") if p.strip()]
    out["PYTEST_PLUGINS"] = ",".join([*plugins, PLUGIN] if PLUGIN not in plugins else plugins)
    return out


def run_make_test(
    repo: Path, manifest: Path, logs: Path, pytest_args: str
) -> tuple[TestRun, BenchError | None]:
    """The timed ``make test``; a failure comes back with the run so its manifest is kept."""
    env = dict(os.environ)
    install_log, test_log = logs / "make-install.log", logs / "make-test.log"
    install_s, code = _timed_make("install", repo, env, install_log)
    if code != 0:
        raise _failed("install", code, install_s, repo, install_log)
    env = recording_env(env, manifest)
    if pytest_args:
        env["PYTEST_ADDOPTS"] = pytest_args
    wall_s, code = _timed_make("test", repo, env, test_log)
    run = TestRun(install_s, wall_s, _pytest_summary(test_log), _slowest(test_log))
    return run, (_failed("test", code, wall_s, repo, test_log) if code != 0 else None)
