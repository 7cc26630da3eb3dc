"""MemorySize enforced from outside the environment, as Lambda's cgroup does.

One thread per pool. Only running environments are measured (frozen ones cannot allocate):
every 10 ms the memory of each running environment's processes is read from /proc, and every
0.5 s the process table is scanned once to learn which processes each one has started. With
no invocation running the thread only wakes for housekeeping (idle retirement), so 100 idle
environments cost nothing.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable

from . import process_tree
from .environment import Worker

__all__ = ["MemoryMonitor"]

log = logging.getLogger(__name__)

SAMPLE_S = 0.01
TREE_SCAN_S = 0.5
HOUSEKEEPING_S = 1.0


class MemoryMonitor:
    def __init__(self, running: Callable[[], Iterable[Worker]], housekeeping: Callable[[], None]):
        self._running = running
        self._housekeeping = housekeeping
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True, name="memory-monitor")
        self._thread.start()

    def poke(self) -> None:
        """An invocation started: measure from now on."""
        self._wake.set()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout=5)

    def _loop(self) -> None:
        import time

        last_scan = last_housekeeping = 0.0
        while not self._stop.is_set():
            workers = [w for w in self._running() if w.busy_since is not None]
            now = time.monotonic()
            if now - last_housekeeping >= HOUSEKEEPING_S:
                last_housekeeping = now
                try:
                    self._housekeeping()
                except Exception:  # housekeeping must never stop the monitor
                    log.exception("worker pool housekeeping failed")
            if not workers:
                self._wake.wait(HOUSEKEEPING_S)
                self._wake.clear()
                continue
            if now - last_scan >= TREE_SCAN_S:
                last_scan = now
                table = process_tree.scan()
                for w in workers:
                    if w.process.returncode is not None:
                        continue  # reaped: its pid may be another process's group or session
                    found = process_tree.members([w.process.pid], (), table) - {w.process.pid}
                    # Cumulative: a double-forked child stays known after it is reparented.
                    w.known |= {(pid, table[pid].started) for pid in found}
                    w.tree = found | process_tree.still_running(w.known)
            for w in workers:
                self.check(w)
            self._stop.wait(SAMPLE_S)

    @staticmethod
    def check(worker: Worker) -> None:
        if worker.oom or not worker.alive:
            return
        used = process_tree.memory_mb({worker.process.pid, *worker.tree})
        worker.peak_mb = max(worker.peak_mb, used)
        if used > worker.spec.memory_mb:
            worker.oom = True
            log.info(
                "%s: environment over its MemorySize (%.0f > %d MB): killed",
                worker.spec.function_name,
                used,
                worker.spec.memory_mb,
            )
            worker.kill(wait=False)
