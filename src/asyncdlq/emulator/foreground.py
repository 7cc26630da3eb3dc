"""Run the emulator in this process until SIGTERM or Ctrl-C (``asyncdlq emulator``).

Once it listens it says where, in a ready file (the only way to learn a port-0 port) and on
stdout; it can follow the process that started it and stop when that ends; at shutdown it names
the events still pending.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import sys
import threading
import time
from pathlib import Path
from typing import Any, Callable

from .request_guard import exposure_warning
from .server import BindError, EmulatorServer


class CannotListen(Exception):
    """The address is taken or not ours to bind."""

    def __init__(self, host: str, port: int, strerror: str | None) -> None:
        super().__init__(f"cannot listen on {host}:{port}: {strerror}")
        self.host, self.port, self.strerror = host, port, strerror


class CannotWriteReadyFile(Exception):
    """The ready file could not be written; the emulator was stopped again."""

    def __init__(self, path: Path, strerror: str | None) -> None:
        super().__init__(f"cannot write {path}: {strerror}")
        self.path, self.strerror = path, strerror


def serve(
    host: str,
    port: int,
    time_scale: float,
    *,
    verbose: bool = False,
    ready_file: Path | None = None,
    exit_with_pid: int | None = None,
    **server_options: Any,
) -> None:
    """Serve until stopped; ``server_options`` are EmulatorServer's keyword arguments."""
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    logging.getLogger("werkzeug").setLevel(logging.INFO if verbose else logging.WARNING)
    try:
        server = EmulatorServer(
            host,
            port,
            time_scale,
            # This process runs only the emulator: it may adopt the orphans handlers leave.
            adopt_orphans=True,
            **server_options,
        )
    except (BindError, OSError) as exc:
        raise CannotListen(host, port, exc.strerror) from None

    def stop(signum: int, _frame: object) -> None:
        server.request_stop()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    warning = exposure_warning(server.host, server.port)
    if warning:
        print(warning, file=sys.stderr, flush=True)
    if exit_with_pid:
        _stop_when_gone(exit_with_pid, server.request_stop)
    if ready_file:
        try:
            _write_ready_file(ready_file, server.endpoint_url)
        except OSError as exc:
            server.stop()
            raise CannotWriteReadyFile(ready_file, exc.strerror) from None
    print(
        f"asyncdlq emulator listening on {server.endpoint_url} "
        f"(time scale {time_scale:g}, pid {os.getpid()})",
        flush=True,
    )
    server.serve_forever()
    _quiet_second_signal()
    pending = server.stop()
    for event in pending:
        print(
            f"asyncdlq emulator: event {event.request_id} for {event.function_name} was still "
            f"pending ({len(event.attempts)} attempt(s) run) at shutdown",
            file=sys.stderr,
        )
    print("asyncdlq emulator stopped", flush=True)
    # Nothing is left to stop. Python resets handlers it installed to the default (death by the
    # signal) early in its exit, and tearing moto down takes a while after that; an ignored
    # signal stays ignored, so a late Ctrl-C cannot turn a clean stop into a kill.
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _write_ready_file(path: Path, endpoint: str) -> None:
    # Written whole and renamed, so a reader never sees half a file.
    ready = {"endpoint": endpoint, "pid": os.getpid()}
    partial = path.with_name(path.name + ".partial")
    partial.write_text(json.dumps(ready))
    partial.replace(path)


def _quiet_second_signal() -> None:
    """A second Ctrl-C or SIGTERM while stopping: say so once, no KeyboardInterrupt traceback."""
    said = False

    def again(signum: int, _frame: object) -> None:
        nonlocal said
        if not said:
            said = True
            print("asyncdlq emulator: already stopping", file=sys.stderr, flush=True)

    signal.signal(signal.SIGTERM, again)
    signal.signal(signal.SIGINT, again)


def _stop_when_gone(pid: int, stop: Callable[[], None]) -> None:
    """Call ``stop`` once process ``pid`` has ended: a test run killed with SIGKILL can't stop the
    emulator it started, and a detached emulator would otherwise run on forever."""

    def watch() -> None:
        while True:
            time.sleep(1.0)
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                print(f"asyncdlq emulator: process {pid} has ended; stopping", flush=True)
                stop()
                return
            except PermissionError:
                pass  # alive, but someone else's

    threading.Thread(target=watch, daemon=True, name="exit-with-pid").start()
