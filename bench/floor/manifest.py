"""The manifest of the stacks a ``make test`` run applied (bench/plugins/stack_manifest_plugin.py
writes it), kept with a sidecar of that run's numbers so --skip-test can replay it later."""

from __future__ import annotations

import json
import shutil
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from .common import STEPS, BenchError
from .make_test import TestRun


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
