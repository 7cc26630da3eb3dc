"""One-line progress messages for long waits (terraform runs, DLQ polls).

CI logs show nothing for minutes while terraform applies or a retry schedule runs; a plain line
every few seconds tells the reader the run is alive and what it waits for. The pytest plugin
routes these lines past output capture; elsewhere they go to stderr.
"""

from __future__ import annotations

import sys
from typing import Callable

PREFIX = "[asyncdlq]"

Writer = Callable[[str], None]
_writer: Writer | None = None


def say(message: str) -> None:
    """Write ``[asyncdlq] <message>`` as one line."""
    line = f"{PREFIX} {message}"
    if _writer is not None:
        _writer(line)
    else:
        print(line, file=sys.stderr, flush=True)


def set_writer(writer: Writer | None) -> Writer | None:
    """Send lines to ``writer`` (None: back to stderr); returns the previous writer."""
    global _writer
    previous, _writer = _writer, writer
    return previous
