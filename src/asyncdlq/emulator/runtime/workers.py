"""The pool of execution environments: warm workers per function generation, reused like AWS's.

A worker is reused by later invocations and retries while its function's code and configuration
are unchanged; it is replaced after a timeout or a crash, retired when idle too long, and
stopped with every process it started when its function is deleted or the pool shuts down.
"""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import tempfile
import threading
import time
import zipfile
from pathlib import Path
from typing import Callable

from ..logs_visibility import LogWriter
from . import process_tree
from .environment import RuntimeFailure, Worker
from .exit_reasons import GO_SIGNAL_NAMES, exit_reason
from .memory_monitor import MemoryMonitor
from .runtime_process import Spawner, become_subreaper
from .spec import FunctionSpec

__all__ = [
    "DEFAULT_IDLE_TIMEOUT_S",
    "GO_SIGNAL_NAMES",
    "RuntimeFailure",
    "Throttled",
    "Worker",
    "WorkerPool",
    "exit_reason",
]

# AWS documents no idle lifetime for an environment (docs/aws-behaviour.md, Execution
# environments and their processes); the emulator's configuration passes its own.
DEFAULT_IDLE_TIMEOUT_S = 600.0


class Throttled(Exception):
    """The function already runs as many invocations as its reserved concurrency allows."""


class WorkerPool:
    """Idle workers per function generation; extracted code shared by content hash."""

    def __init__(
        self,
        endpoint_url: str,
        work_dir: Path | None = None,
        idle_timeout_s: float = DEFAULT_IDLE_TIMEOUT_S,
        adopt_orphans: bool = False,
        may_create_log_group: Callable[[FunctionSpec], bool] | None = None,
        log_writer: LogWriter | None = None,
    ) -> None:
        """``adopt_orphans``: for a process that runs only the emulator (the CLI): it becomes a
        child subreaper, so a handler's double-forked child reparents to it and shutdown kills
        it whatever environment it came from."""
        if idle_timeout_s <= 0:
            raise ValueError("idle_timeout_s must be > 0")
        self.endpoint_url = endpoint_url
        self.idle_timeout_s = idle_timeout_s
        # Whether the function's role may re-create its deleted log group; None: it may.
        self._may_create_log_group = may_create_log_group
        self._log_writer = log_writer  # when the environments' log lines become readable
        self._work_dir = Path(work_dir or tempfile.mkdtemp(prefix="asyncdlq-code-"))
        self._idle: dict[str, list[Worker]] = {}
        self._generation: dict[str, str] = {}  # function ARN -> current environment key
        self._busy: dict[str, int] = {}  # function ARN -> leased workers
        self._leased: set[Worker] = set()
        self._lock = threading.Lock()
        self._closed = False
        self._adopting = adopt_orphans and become_subreaper()
        self._spawner = Spawner()
        self._monitor = MemoryMonitor(self._running, self._retire_idle)

    def _code_dir(self, spec: FunctionSpec) -> Path:
        digest = hashlib.sha256(spec.code_zip).hexdigest()[:20]
        target = self._work_dir / digest
        if not target.exists():
            partial = self._work_dir / f"{digest}.partial-{threading.get_ident()}"
            try:
                with zipfile.ZipFile(io.BytesIO(spec.code_zip)) as zf:
                    zf.extractall(partial)
            except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
                shutil.rmtree(partial, ignore_errors=True)
                raise RuntimeFailure(
                    f"{spec.function_name}: cannot extract its code: {exc}"
                ) from exc
            try:
                partial.rename(target)
            except OSError:
                shutil.rmtree(partial, ignore_errors=True)  # another thread got there first
        return target

    def acquire(self, spec: FunctionSpec, limit: int | None = None) -> Worker:
        """An idle worker of the function's current generation, or a new one.

        With ``limit``, raises ``Throttled`` when ``limit`` workers of this function (any
        version) are already leased: the slot is taken under the pool's lock, so concurrent
        callers never exceed it. Every successful acquire must be paired with one ``release``;
        a failed one (``RuntimeFailure``: the emulator could not start the environment) holds
        nothing.
        """
        key = spec.environment_key
        stale: list[Worker] = []
        with self._lock:
            if self._closed:
                raise RuntimeFailure("the worker pool is shut down")
            if limit is not None and self._busy.get(spec.function_arn, 0) >= limit:
                raise Throttled(spec.function_arn)
            self._busy[spec.function_arn] = self._busy.get(spec.function_arn, 0) + 1
            if self._generation.get(spec.function_arn) != key:
                # Code or configuration changed: AWS starts fresh environments for the new version.
                old = self._generation.get(spec.function_arn)
                stale = self._idle.pop(old, []) if old else []
                self._generation[spec.function_arn] = key
            idle = self._idle.setdefault(key, [])
            worker = None
            while idle and worker is None:
                candidate = idle.pop()
                if candidate.alive:
                    worker = candidate
                else:
                    stale.append(candidate)  # died while idle: reap its group
        self._stop_all(stale)
        if worker is None:
            try:
                worker = Worker(
                    spec,
                    self._code_dir(spec),
                    self.endpoint_url,
                    self._spawner,
                    self._may_create_log_group,
                    self._log_writer,
                )
            except BaseException:
                with self._lock:
                    self._busy[spec.function_arn] -= 1
                raise
        with self._lock:
            worker.leased = True
            self._leased.add(worker)
            closed = self._closed
        if closed:  # shut down while this environment started
            self.release(worker)
            raise RuntimeFailure("the worker pool is shut down")
        self._monitor.poke()
        return worker

    def release(self, worker: Worker) -> None:
        with self._lock:
            if worker.leased:
                worker.leased = False
                self._leased.discard(worker)
                self._busy[worker.spec.function_arn] -= 1
            current = self._generation.get(worker.spec.function_arn) == worker.spec.environment_key
            keep = worker.alive and current and not self._closed and not worker.retired
            if keep:
                worker.idle_since = time.time()
                self._idle.setdefault(worker.spec.environment_key, []).append(worker)
        if keep:
            worker.freeze()  # as Lambda freezes an environment between invocations
            return
        worker.stop()  # a crashed, timed-out or outdated environment is replaced, group and all

    def busy(self, function_arn: str) -> int:
        """How many workers of the function are leased now."""
        with self._lock:
            return self._busy.get(function_arn, 0)

    def _running(self) -> list[Worker]:
        with self._lock:
            return list(self._leased)

    def processes(self) -> list[int]:
        """The pids of every live process the pool's environments and spares have started."""
        with self._lock:
            workers = [*self._leased, *(w for ws in self._idle.values() for w in ws)]
        roots = [w.process.pid for w in workers] + self._spawner.spare_pids()
        markers = tuple(m for w in workers for m in w.markers)
        return sorted(process_tree.members(roots, markers))

    # -- retiring environments ----------------------------------------------------------------
    def retire_function(self, function_arn: str, version: str | None = None) -> None:
        """The function (or one version) was deleted: stop its idle environments now; those
        still running an invocation stop when it ends."""
        with self._lock:
            gone: list[Worker] = []
            for key, workers in list(self._idle.items()):
                keep = []
                for w in workers:
                    match = w.spec.function_arn == function_arn and (
                        version is None or w.spec.version == version
                    )
                    (gone if match else keep).append(w)
                self._idle[key] = keep
                if not keep:
                    del self._idle[key]
            for w in self._leased:
                if w.spec.function_arn == function_arn and version in (None, w.spec.version):
                    w.retired = True  # release stops it instead of keeping it warm
            if version is None:
                self._generation.pop(function_arn, None)
        self._stop_all(gone)

    def _retire_idle(self) -> None:
        cutoff = time.time() - self.idle_timeout_s
        with self._lock:
            old: list[Worker] = []
            for key, workers in list(self._idle.items()):
                old += [w for w in workers if w.idle_since < cutoff]
                self._idle[key] = [w for w in workers if w.idle_since >= cutoff]
                if not self._idle[key]:
                    del self._idle[key]
        self._stop_all(old)

    @staticmethod
    def _stop_all(workers: list[Worker]) -> None:
        if not workers:
            return
        # One process-table scan for all of them.
        roots = [w.process.pid for w in workers if w.process.returncode is None]
        process_tree.kill_all(
            roots,
            tuple(m for w in workers for m in w.markers),
            [k for w in workers for k in w.known],
        )
        for w in workers:
            w.stop(killed=True)

    def shutdown(self) -> None:
        """Stop every environment, running or idle, with everything its handlers started; an
        invocation running in one ends at once with ``RuntimeFailure``."""
        with self._lock:
            self._closed = True
            workers = [w for ws in self._idle.values() for w in ws] + list(self._leased)
            self._idle.clear()
            self._generation.clear()
        for w in workers:
            w.stopped_by_pool = True
        self._stop_all(workers)
        self._monitor.stop()
        self._spawner.shutdown()
        if self._adopting:
            # Every child left is an orphan a handler started: the runtimes are gone.
            me = os.getpid()
            adopted = [(p, i.started) for p, i in process_tree.scan().items() if i.ppid == me]
            process_tree.kill_all([], known=adopted)
        shutil.rmtree(self._work_dir, ignore_errors=True)
