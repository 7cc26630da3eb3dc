"""Destroy what a run applied, whatever happens to the run.

- Every stack is written to the run's ledger before its apply starts and removed only after a
  destroy succeeded, so a worker that died (killed by xdist, OOM) leaves a record the run's
  controller finishes at the end (``finish_pending``).
- A destroy is retried; if it still fails, the stack's state stays where it is, marked KEPT, and
  the exact command to finish the job is printed.
- While destroying, a first Ctrl-C or SIGTERM only says what is going on: interrupting a destroy is
  how resources leak. A second one abandons it.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from .. import process_sweep
from ..progress import say
from ..target import Target
from .stack import DEFAULT_KILL_GRACE_S, Stack

PENDING_DIR = "pending"
KEPT_MARK = "KEPT"
RETRY_WAITS_S = (5.0, 15.0)  # then give up: three attempts in all
# How long a terraform a dead worker left running gets to finish its command by itself (it holds
# its stack's state, and stopping it mid-destroy would leave what it had not recorded yet).
ORPHAN_FINISH_S = 300.0


class LeftBehindError(RuntimeError):
    """A stack could not be destroyed; its state is kept and the message says how to finish."""


@contextlib.contextmanager
def interrupts_deferred(message: str) -> Iterator[None]:
    """Let the first SIGINT/SIGTERM print ``message`` instead of stopping the body."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received = 0

    def handler(signum: int, frame: Any) -> None:
        nonlocal received
        received += 1
        if received == 1:
            say(message)
            return
        raise KeyboardInterrupt(f"signal {signum} while destroying")

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def destroy_with_retries(
    stack: Stack, *, waits: Sequence[float] = RETRY_WAITS_S, ledger: Ledger | None = None
) -> None:
    """Destroy ``stack``, retrying; raise LeftBehindError (state kept) when every attempt failed."""
    attempts = len(waits) + 1
    with interrupts_deferred(
        f"an interrupt arrived while destroying {stack!r}; finishing the destroy so nothing is "
        f"left behind (interrupt again to abandon it, then finish with: {stack.destroy_hint()})"
    ):
        for attempt in range(1, attempts + 1):
            try:
                stack.destroy()
            except Exception as exc:
                first = _reason(exc)
                if attempt == attempts:
                    (stack.work_dir / KEPT_MARK).write_text(stack.destroy_hint() + "\n")
                    raise LeftBehindError(
                        f"terraform destroy of {stack!r} failed {attempts} times (last: {first}). "
                        f"Its state is kept in {stack.state_file}; finish with:\n"
                        f"  {stack.destroy_hint()}"
                    ) from exc
                wait = waits[attempt - 1]
                say(f"destroy of {stack!r} failed ({first}); retrying in {wait:g}s")
                time.sleep(wait)
            else:
                if ledger is not None:
                    ledger.remove(stack)
                stack.forget_state()
                return


def _reason(exc: BaseException) -> str:
    """The line of a terraform failure that says what went wrong."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("Error:")]
    return (errors or lines or [type(exc).__name__])[0]


class Ledger:
    """The stacks of one run that may hold resources: ``<run_dir>/pending/<workspace>.json``."""

    def __init__(self, run_dir: Path) -> None:
        self.dir = run_dir / PENDING_DIR

    def add(self, stack: Stack) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        record = {
            "tfdir": str(stack.tfdir),
            "variables": stack.variables,
            "target": [stack.target.name, stack.target.region, stack.target.endpoint_url],
            "state_dir": str(stack.state_dir),
            "work_root": str(stack.work_root),
            "workspace": stack.workspace,
            "timeout_s": stack.timeout_s,
        }
        (self.dir / f"{stack.workspace}.json").write_text(json.dumps(record, indent=2))

    def remove(self, stack: Stack) -> None:
        (self.dir / f"{stack.workspace}.json").unlink(missing_ok=True)

    def stacks(self) -> list[Stack]:
        found = []
        for path in sorted(self.dir.glob("*.json")):
            record = json.loads(path.read_text())
            name, region, endpoint = record["target"]
            found.append(
                Stack(
                    record["tfdir"],
                    variables=record["variables"],
                    target=Target(name, region, endpoint),
                    state_dir=Path(record["state_dir"]),
                    work_root=Path(record["work_root"]),
                    workspace=record["workspace"],
                    timeout_s=record["timeout_s"],
                )
            )
        return found


def end_leftover_processes(run_dir: Path, *, finish_s: float = ORPHAN_FINISH_S) -> list[int]:
    """End the terraform (and provider) processes of this run whose test process has gone.

    They are found by ``process_sweep.OWNER_ENV``, whoever their parent is now. Each gets
    ``finish_s`` to finish its command, then SIGINT and DEFAULT_KILL_GRACE_S to save its state,
    then SIGKILL, as a timeout would do. Returns the pids that were still there (none, normally).
    """
    found = process_sweep.marked(process_sweep.OWNER_ENV, str(run_dir))
    if not found:
        return []
    say(
        f"{len(found)} terraform process(es) of this run outlived the test process that started "
        f"them; waiting up to {finish_s:g}s for them to finish"
    )
    pids = [info.pid for info in found]
    left = process_sweep.wait_gone(pids, finish_s)
    if left:
        for pid in left:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(pid, signal.SIGINT)  # terraform leads its group: its providers too
        left = process_sweep.wait_gone(left, DEFAULT_KILL_GRACE_S)
    # Whatever is still marked (a provider its terraform did not stop) goes now.
    rest = {info.pid for info in process_sweep.marked(process_sweep.OWNER_ENV, str(run_dir))}
    still = process_sweep.kill_all(rest | set(left))
    if still:
        say(f"could not end process(es) {still} of this run")
    return pids


def finish_pending(run_dir: Path) -> list[str]:
    """Destroy the stacks a dead worker of this run left in the ledger, after the processes it
    left running have ended; return what is still left (as destroy commands)."""
    end_leftover_processes(run_dir)
    ledger = Ledger(run_dir)
    left = []
    for stack in ledger.stacks():
        say(f"{stack!r} was not destroyed by the process that applied it; destroying it now")
        try:
            destroy_with_retries(stack, ledger=ledger)
        except LeftBehindError as exc:
            say(str(exc))
            left.append(stack.destroy_hint())
    return left
