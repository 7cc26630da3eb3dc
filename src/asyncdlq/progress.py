"""Progress for long waits: permanent lines for events, one status line while a wait runs.

CI logs show nothing for minutes while terraform applies or a retry schedule runs. Events (an
attempt failed, a dead letter arrived) are permanent lines. A wait shows that the run is alive:
on a terminal as one status line rewritten in place; in CI, a file or a pipe, where every rewrite
would be a line of its own, as a plain heartbeat line at most every ``HEARTBEAT_S``.

Lines go to a *writer* (``set_writer``); the default writes to stderr. ``pytest_writer`` writes
past pytest's output capture, so a CI log shows progress live rather than after a failure.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Callable, TextIO

if TYPE_CHECKING:
    import pytest

PREFIX = "[asyncdlq]"
HEARTBEAT_S = 10.0
# In-place redraws faster than this only flicker; the elapsed time is shown in whole seconds.
REDRAW_S = 0.25
_ERASE_LINE = "\r\x1b[K"

Writer = Callable[[str], None]


def in_ci(environ: Mapping[str, str] | None = None) -> bool:
    """Whether a CI service runs us (they set CI, e.g. CI=true): no cursor tricks in its logs."""
    value = (os.environ if environ is None else environ).get("CI", "")
    return value.strip().lower() not in ("", "0", "false", "no")


def _fit(text: str) -> str:
    # A status line that wraps cannot be rewritten with \r: the first half would stay behind.
    width = shutil.get_terminal_size(fallback=(100, 24)).columns
    return text if len(text) < width else text[: max(1, width - 2)] + "…"


class StreamWriter:
    """Lines to a text stream (by default whatever sys.stderr is at the time of writing).

    ``interactive`` (default: the stream is a terminal and not in CI) enables the in-place status
    line. ``label`` replaces the ``[asyncdlq]`` prefix, e.g. ``[asyncdlq gw0]`` for an xdist
    worker, whose lines would otherwise be indistinguishable from its siblings'.
    """

    def __init__(
        self,
        stream: TextIO | None = None,
        *,
        interactive: bool | None = None,
        label: str | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self._stream = stream
        self._interactive = interactive
        self._label = label
        self._environ = environ
        self._status_shown = False

    @property
    def stream(self) -> TextIO:
        return self._stream if self._stream is not None else sys.stderr

    @property
    def interactive(self) -> bool:
        if self._interactive is not None:
            return self._interactive
        try:
            tty = bool(self.stream.isatty())
        except (AttributeError, ValueError):  # no isatty, or a closed stream
            tty = False
        return tty and not in_ci(self._environ)

    def __call__(self, line: str) -> None:
        if self._label and line.startswith(PREFIX):
            line = self._label + line[len(PREFIX) :]
        self.clear_status()
        self.stream.write(line + "\n")
        self.stream.flush()

    def status(self, text: str) -> None:
        self.stream.write(_ERASE_LINE + _fit(text))
        self.stream.flush()
        self._status_shown = True

    def clear_status(self) -> None:
        if self._status_shown:
            self.stream.write(_ERASE_LINE)
            self.stream.flush()
            self._status_shown = False


class _PytestWriter:
    """Writes through pytest's terminal reporter with output capture suspended."""

    def __init__(self, config: pytest.Config) -> None:
        self._config = config
        self._status_shown = False

    def _plugins(self) -> tuple[Any, Any]:
        manager = self._config.pluginmanager
        return manager.getplugin("capturemanager"), manager.getplugin("terminalreporter")

    @property
    def interactive(self) -> bool:
        _, reporter = self._plugins()
        return reporter is not None and bool(reporter.isatty) and not in_ci()

    def __call__(self, line: str) -> None:
        capman, reporter = self._plugins()
        if capman is None or reporter is None:
            print(line, file=sys.stderr, flush=True)
            return
        with capman.global_and_fixture_disabled():
            self._erase(reporter)
            reporter.write_line(line)

    def status(self, text: str) -> None:
        capman, reporter = self._plugins()
        if capman is None or reporter is None:
            return
        with capman.global_and_fixture_disabled():
            # Off the line pytest is filling with test results, so \r rewinds only ours.
            reporter.ensure_newline()
            reporter.write_raw(_ERASE_LINE + _fit(text), flush=True)
            self._status_shown = True

    def clear_status(self) -> None:
        capman, reporter = self._plugins()
        if capman is None or reporter is None:
            return
        with capman.global_and_fixture_disabled():
            self._erase(reporter)

    def _erase(self, reporter: Any) -> None:
        if self._status_shown:
            reporter.write_raw(_ERASE_LINE, flush=True)
            self._status_shown = False


def pytest_writer(config: pytest.Config) -> Writer:
    """The writer for a pytest run: past output capture via the terminal reporter.

    An xdist worker's terminal output is never shown, so a worker writes plain lines (no status
    line: several workers would rewrite the same terminal line) straight to the process's real
    stderr, labelled with its worker id.
    """
    workerinput = getattr(config, "workerinput", None)
    if workerinput is not None:
        worker = workerinput.get("workerid", "worker")
        return _WorkerWriter(config, f"[asyncdlq {worker}]")
    return _PytestWriter(config)


class _WorkerWriter:
    """Plain lines to an xdist worker's real stderr (the terminal or CI log it inherited), with
    the worker's own fd-level capture suspended: captured lines would surface only on failure."""

    interactive = False

    def __init__(self, config: pytest.Config, label: str) -> None:
        self._config, self._label = config, label

    def __call__(self, line: str) -> None:
        capman = self._config.pluginmanager.getplugin("capturemanager")
        suspended = capman.global_and_fixture_disabled() if capman else contextlib.nullcontext()
        with suspended:
            StreamWriter(sys.stderr, interactive=False, label=self._label)(line)


_writer: Writer = StreamWriter()


def say(message: str) -> None:
    """Write ``[asyncdlq] <message>`` as one permanent line."""
    _writer(f"{PREFIX} {message}")


def set_writer(writer: Writer | None) -> Writer | None:
    """Send lines to ``writer`` (None: a fresh stderr writer); returns the previous writer.

    A plain callable gets whole lines only; an object that also has ``interactive``,
    ``status(text)`` and ``clear_status()`` gets the in-place status line too.
    """
    global _writer
    previous = _writer
    _clear_status(previous)
    _writer = writer if writer is not None else StreamWriter()
    return previous


def clear_status() -> None:
    """Remove the status line, if one is shown: before writing to stdout of the same terminal."""
    _clear_status(_writer)


def _interactive(writer: Writer) -> bool:
    return bool(getattr(writer, "interactive", False)) and hasattr(writer, "status")


def _clear_status(writer: Writer) -> None:
    clear = getattr(writer, "clear_status", None)
    if clear is not None:
        clear()


class Wait:
    """One wait, shown as ``waiting for <what> (12s/180s, <detail>)``.

    Call ``update()`` as often as the wait loop runs; this decides what reaches the screen: a
    redraw of the status line on a terminal, else a heartbeat line via ``say`` every
    ``HEARTBEAT_S``. ``close()`` (or leaving the ``with`` block) removes the status line.
    """

    def __init__(
        self,
        what: str,
        timeout_s: float,
        *,
        say: Callable[[str], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.what, self.timeout_s = what, timeout_s
        self._say = say
        self._clock = clock
        self.started = clock()
        self._last_heartbeat = self.started
        self._last_redraw = float("-inf")

    @property
    def elapsed_s(self) -> float:
        return self._clock() - self.started

    def text(self, detail: str = "") -> str:
        extra = f", {detail}" if detail else ""
        return f"waiting for {self.what} ({self.elapsed_s:.0f}s/{self.timeout_s:.0f}s{extra})"

    def update(self, detail: str = "") -> None:
        now = self._clock()
        writer = _writer
        if _interactive(writer):
            if now - self._last_redraw >= REDRAW_S:
                writer.status(f"{PREFIX} {self.text(detail)}")  # type: ignore[attr-defined]
                self._last_redraw = now
        elif now - self._last_heartbeat >= HEARTBEAT_S:
            (self._say or say)(self.text(detail))
            self._last_heartbeat = now

    def close(self) -> None:
        _clear_status(_writer)

    def __enter__(self) -> Wait:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
