"""What a runtime process says, read in the emulator: bounded lines, results, the log budget.

Every limit is enforced here, in the parent, where the handler's code cannot reach it.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from typing import IO, Any

from .. import function_logs

__all__ = [
    "CONTROL_LINE_LIMIT",
    "MAX_LOG_BYTES_PER_INVOKE",
    "MAX_LOG_EVENTS_PER_INVOKE",
    "RESPONSE_LIMIT",
    "LogBudget",
    "bounded_lines",
    "read_control",
]

# Per-invocation log budget. CloudWatch would keep everything; the emulator keeps its memory
# bounded and says in its own log how many lines it dropped.
MAX_LOG_EVENTS_PER_INVOKE = 10_000
MAX_LOG_BYTES_PER_INVOKE = 8 * 1024 * 1024
# One control message (a batch of log lines, JSON-escaped, or a result header); longer lines
# are not the runtime's and are skipped without being held.
CONTROL_LINE_LIMIT = 8 * function_logs.MAX_EVENT_BYTES
# Lambda's response limit (docs/aws-behaviour.md, Limits: payloads, responses, environment
# variables, code): "Response payload size (N bytes) exceeded maximum allowed payload size
# (6291556 bytes)."
RESPONSE_LIMIT = 6_291_556
_CHUNK = 1024 * 1024


def bounded_lines(stream: IO[bytes], limit: int) -> Iterator[tuple[bytes, bool]]:
    """Complete lines of at most ``limit`` bytes; a longer line yields its first ``limit``
    bytes once (with ``truncated`` True) and the rest is read and discarded, never held."""
    while True:
        chunk = stream.readline(limit)
        if not chunk:
            return
        if chunk.endswith(b"\n"):
            yield chunk[:-1], False
            continue
        yield chunk, True
        while chunk and not chunk.endswith(b"\n"):
            chunk = stream.readline(limit)


class LogBudget:
    """How much one invocation may still log, over everything the environment prints."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self.events, self.bytes, self.dropped = 0, 0, 0

    @property
    def spent(self) -> bool:
        return self.events >= MAX_LOG_EVENTS_PER_INVOKE or self.bytes >= MAX_LOG_BYTES_PER_INVOKE

    def admit(self, lines: list[str]) -> list[str]:
        kept = []
        with self._lock:
            for line in lines:
                size = len(line)
                if (
                    self.events >= MAX_LOG_EVENTS_PER_INVOKE
                    or self.bytes + size > MAX_LOG_BYTES_PER_INVOKE
                ):
                    self.dropped += 1
                    continue
                self.events += 1
                self.bytes += size
                kept.append(line)
        return kept


def _read_payload(stream: IO[bytes], size: int, limit: int) -> bytes | None:
    """The ``size`` bytes after a result header; None (and the bytes read and dropped) when
    they exceed ``limit``."""
    keep = size <= limit
    parts, left = [], size
    while left > 0:
        chunk = stream.read(min(left, _CHUNK))
        if not chunk:
            raise EOFError("the runtime closed its channel inside a result")
        left -= len(chunk)
        if keep:
            parts.append(chunk)
    return b"".join(parts) if keep else None


def read_control(
    stream: IO[bytes], on_log: Any, on_message: Any, response_limit: Any, budget: LogBudget
) -> None:
    """Read the control channel until it closes: ``log`` lines go to ``on_log``; ``ready``,
    ``init``, ``result`` (with ``payload`` bytes, or ``oversize`` set) and ``oom`` to
    ``on_message``. ``response_limit()`` is the current invocation's limit; log messages past
    ``budget`` are dropped unparsed. Never raises for what it reads."""
    for raw, truncated in bounded_lines(stream, CONTROL_LINE_LIMIT):
        if truncated:
            continue
        if budget.spent and raw.startswith(b'{"type": "log"'):
            budget.dropped += raw.count(b'", "') + 1  # roughly: the lines are not parsed
            continue
        try:
            message = json.loads(raw)
            kind = message["type"]
        except (ValueError, TypeError, KeyError):
            continue  # not ours (a handler wrote to the channel): never fatal
        if kind == "log":
            lines = message.get("lines")
            if isinstance(lines, list):
                on_log([str(line) for line in lines])
        elif kind == "result":
            size = message.get("size")
            if not isinstance(size, int) or size < 0:
                continue
            payload = _read_payload(stream, size, response_limit())
            if payload is None:
                message["oversize"] = size
                payload = b""
            message["payload"] = payload
            on_message(message)
        elif kind in ("ready", "init", "oom"):
            on_message(message)
