"""Who this test process is within a run: the run id, the pytest-xdist worker, the name prefix
and the directories it may write.

One run is one ``pytest`` command. Under pytest-xdist the controller picks the run id and hands it
to every worker (``workerinput``), so all workers share the run's tags and emulator while each has
its own prefix and work directory; nothing a worker creates can collide with another's.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from .tags import NAME_PREFIX, run_tags

RUN_ID_ENV = "ASYNCDLQ_RUN_ID"
WORKERINPUT_KEY = "asyncdlq_run_id"
CONTROLLER = "main"
_RUN_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,23}$")


class RunIdError(ValueError):
    """ASYNCDLQ_RUN_ID can't be used in resource names."""


def new_run_id(environ: dict[str, str] | None = None) -> str:
    """ASYNCDLQ_RUN_ID when set (checked), else 6 random hex digits."""
    environ = dict(os.environ if environ is None else environ)
    given = environ.get(RUN_ID_ENV, "").strip()
    if not given:
        return secrets.token_hex(3)
    if not _RUN_ID.match(given):
        raise RunIdError(
            f"{RUN_ID_ENV}={given!r} can't go into resource names; use 1-24 lowercase letters, "
            "digits and dashes, e.g. ASYNCDLQ_RUN_ID=ci-1234"
        )
    return given


def worker_id(config: Any) -> str | None:
    """The pytest-xdist worker id ("gw0"), or None in the controller or a run without xdist."""
    workerinput = getattr(config, "workerinput", None)
    return None if workerinput is None else str(workerinput["workerid"])


def shared_run_id(config: Any) -> str:
    """The run id every process of this run uses (chosen once, by the controller)."""
    workerinput = getattr(config, "workerinput", None)
    if workerinput is not None and WORKERINPUT_KEY in workerinput:
        return str(workerinput[WORKERINPUT_KEY])
    return new_run_id()


@dataclass(frozen=True)
class RunContext:
    run_id: str
    worker: str | None  # "gw0" under pytest-xdist
    base_dir: Path  # shared across runs: provider cache, terraform CLI config
    started_at: datetime = field(default_factory=lambda: datetime.now(timezone.utc))

    @property
    def prefix(self) -> str:
        """Resource name prefix: adlq-<run id>, plus -w<N> per xdist worker (short: names of
        IAM roles and functions stop at 64 characters)."""
        name = f"{NAME_PREFIX}{self.run_id}"
        return f"{name}-w{self.worker.removeprefix('gw')}" if self.worker else name

    @property
    def run_dir(self) -> Path:
        """Shared by the run's processes: the emulator lease, worker pids, pending stacks."""
        return self.base_dir / "runs" / self.run_id

    @property
    def work_dir(self) -> Path:
        """This process's own: its stacks' terraform data and var files."""
        return self.run_dir / (self.worker or CONTROLLER)

    def tags(self) -> dict[str, str]:
        """Tags for a resource created now."""
        return run_tags(self.run_id)

    def remove_run_dir_if_empty_of_state(self) -> bool:
        """Delete the run's directory unless a stack's state is still kept in it."""
        if any(self.run_dir.glob("*/stacks/*/KEPT")) or any(self.run_dir.glob("pending/*")):
            return False
        shutil.rmtree(self.run_dir, ignore_errors=True)
        return True
