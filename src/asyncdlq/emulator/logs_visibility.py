"""When the emulator's log events become readable, and which clock stamps them.

CloudWatch Logs makes an event readable some seconds after it was written, and the service's
clock is not the client's (docs/aws-behaviour.md, The aws emulator profile: timing and logs).
A ``LogWriter`` reproduces both for the log events the emulator writes (function_logs.py):
each event is stamped when it is written, by the service clock (real time + ``clock_skew_s``),
and reaches moto only ``delay_s`` later, from one thread that keeps the order of writes. So
GetLogEvents and FilterLogEvents never see an event early, and their tokens stay consistent:
moto never holds an event a reader must not see yet.

The delay is AWS seconds, scaled by the emulator's time scale like every other wait. The skew is
not: it is an offset between two clocks, compared with the client's own margins in real
milliseconds (the harness's look-backs), which a time scale does not shrink.

``drop`` (moto's reset: the backends the events were for are gone) forgets the events not yet
written; ``close`` (shutdown) writes them at once, so nothing logged is lost.
"""

from __future__ import annotations

import collections
import logging
import threading
import time
from typing import Callable

log = logging.getLogger(__name__)

Write = Callable[[], None]
_IDLE_EXIT_S = 5.0


class LogWriter:
    def __init__(
        self,
        delay_s: float = 0.0,
        clock_skew_s: float = 0.0,
        time_scale: float = 1.0,
        *,
        clock: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        if delay_s < 0:
            raise ValueError("log visibility delay must be >= 0")
        self.delay_s = delay_s * max(0.0, time_scale)
        self.clock_skew_s = clock_skew_s
        self._clock, self._monotonic = clock, monotonic
        self._cv = threading.Condition()
        self._queue: collections.deque[tuple[float, Write]] = collections.deque()
        self._thread: threading.Thread | None = None
        self._closed = False

    def now_ms(self) -> int:
        """The service clock now, as a log event's timestamp (epoch milliseconds)."""
        return int((self._clock() + self.clock_skew_s) * 1000)

    def submit(self, write: Write) -> None:
        """Run ``write`` (which puts events into moto) once the delay has passed."""
        with self._cv:
            if self.delay_s > 0 and not self._closed:
                # One delay for every write, so due times arrive in order: a FIFO suffices.
                self._queue.append((self._monotonic() + self.delay_s, write))
                self._start()
                self._cv.notify()
                return
        _run(write)

    def pending(self) -> int:
        with self._cv:
            return len(self._queue)

    def drop(self) -> int:
        """Forget the writes not done yet; returns how many."""
        with self._cv:
            dropped = len(self._queue)
            self._queue.clear()
            self._cv.notify()
        return dropped

    def close(self) -> None:
        """Stop the thread and do the remaining writes now; later writes run at once."""
        with self._cv:
            self._closed = True
            remaining = list(self._queue)
            self._queue.clear()
            self._cv.notify()
            thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=5)
        for _, write in remaining:
            _run(write)

    def _start(self) -> None:
        # Under the condition's lock.
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(
                target=self._loop, daemon=True, name="emulator-log-writer"
            )
            self._thread.start()

    def _loop(self) -> None:
        while True:
            with self._cv:
                while not self._closed:
                    if self._queue:
                        wait = self._queue[0][0] - self._monotonic()
                        if wait <= 0:
                            break
                        self._cv.wait(min(wait, 1.0))
                    else:
                        self._cv.wait(_IDLE_EXIT_S)
                        if not self._queue and not self._closed:
                            self._thread = None  # idle: the next submit starts another
                            return
                if self._closed:
                    return
                _, write = self._queue.popleft()
            _run(write)


def _run(write: Write) -> None:
    try:
        write()
    except Exception:  # one stream's failure must not stop the others' logs
        log.exception("writing log events into moto failed")
