"""FilterLogEvents above its quota answers ThrottlingException, as CloudWatch Logs does.

AWS allows FilterLogEvents 5 transactions per second per account and Region, a hard limit, and
answers the calls beyond it with HTTP 400 ``{"__type":"ThrottlingException","message":"Rate
exceeded"}`` (docs/aws-behaviour.md, The aws emulator profile: timing and logs). This WSGI
middleware keeps one token bucket per (account, region): ``tps`` tokens a second, at most ``tps``
saved up (a burst of one second's worth: AWS's burst is not published).

The rate is not time-scaled: a quota counts calls per real second, and the callers it is meant to
catch (the harness polls once a real second per waiting test) do not speed up with the emulator's
time scale; scaled, a 1/60 emulator would allow 300 calls a second and never throttle.
"""

from __future__ import annotations

import json
import re
import threading
import time
import uuid
from collections.abc import Iterable
from typing import Any, Callable

from .moto_glue import request_account

TARGET = "Logs_20140328.FilterLogEvents"
THROTTLED_BODY = json.dumps(
    {"__type": "ThrottlingException", "message": "Rate exceeded"}, separators=(",", ":")
).encode()
# SigV4: Credential=<access key>/<date>/<region>/<service>/aws4_request
_CREDENTIAL = re.compile(r"Credential=([^/,\s]+)/[^/]+/([^/]+)/")

App = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class TokenBuckets:
    """``take(key)``: whether one more call fits the key's rate now."""

    def __init__(self, tps: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.tps = tps
        self.capacity = max(1.0, tps)
        self._clock = clock
        self._lock = threading.Lock()
        self._buckets: dict[tuple[str, str], tuple[float, float]] = {}  # key: (tokens, at)

    def take(self, key: tuple[str, str]) -> bool:
        now = self._clock()
        with self._lock:
            tokens, at = self._buckets.get(key, (self.capacity, now))
            tokens = min(self.capacity, tokens + (now - at) * self.tps)
            allowed = tokens >= 1.0
            self._buckets[key] = (tokens - 1.0 if allowed else tokens, now)
            return allowed

    def clear(self) -> None:
        with self._lock:
            self._buckets.clear()


class FilterLogEventsThrottle:
    """Wraps the emulator's WSGI app; with ``tps`` 0 every call passes untouched."""

    def __init__(self, app: App, tps: float, clock: Callable[[], float] = time.monotonic) -> None:
        if tps < 0:
            raise ValueError("filter_log_events_tps must be >= 0")
        self.app = app
        self.buckets = TokenBuckets(tps, clock) if tps > 0 else None

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        throttled = (
            self.buckets is not None
            and environ.get("HTTP_X_AMZ_TARGET") == TARGET
            and not self.buckets.take(_account_and_region(environ))
        )
        if throttled:
            return _throttled(start_response)
        return self.app(environ, start_response)

    def reset(self) -> None:
        """moto's reset: every bucket full again."""
        if self.buckets is not None:
            self.buckets.clear()


def _account_and_region(environ: dict[str, Any]) -> tuple[str, str]:
    match = _CREDENTIAL.search(environ.get("HTTP_AUTHORIZATION", ""))
    access_key, region = match.groups() if match else ("", "us-east-1")
    return request_account(access_key, environ.get("HTTP_X_MOTO_ACCOUNT_ID")), region


def _throttled(start_response: Callable[..., Any]) -> list[bytes]:
    start_response(
        "400 Bad Request",
        [
            ("Content-Type", "application/x-amz-json-1.1"),
            ("Content-Length", str(len(THROTTLED_BODY))),
            ("x-amzn-RequestId", str(uuid.uuid4())),
        ],
    )
    return [THROTTLED_BODY]
