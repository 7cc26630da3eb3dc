"""Normalization for comparing the emulator's responses with responses recorded on AWS.

Only volatile values are normalized, and only these (every conformance test relies on this list
and nothing else):

1. ``ResponseMetadata`` is dropped (HTTP status and headers are asserted separately).
2. A UUID anywhere in a string becomes ``<uuid>`` (request ids, RevisionId, UUIDs in names).
3. A timestamp becomes ``<timestamp>``: a ``datetime``, or a string in AWS's forms
   (``2024-01-02T03:04:05.678+0000``, ``...Z``, ``2024/01/02/`` log-stream dates).
4. ``CodeSha256`` becomes ``<code-sha256>`` and ``CodeSize`` becomes ``<code-size>``: they depend on
   the bytes of the zip, which differ between the recording and the test.
5. A 12-digit account id becomes ``111111111111``, a region named in ``regions`` becomes
   ``<region>``.
6. Names the test chose (function, queue, role) are replaced by the placeholders it passes in
   ``names``; longest first, so a name containing another is replaced whole.

Everything else must be equal, including which keys are present.
"""

from __future__ import annotations

import datetime as _dt
import re
from typing import Any

_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I)
_TIMESTAMP = re.compile(
    r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?|\d{4}/\d{2}/\d{2}/"
)
_ACCOUNT = re.compile(r"(?<!\d)\d{12}(?!\d)")
_BY_KEY = {"CodeSha256": "<code-sha256>", "CodeSize": "<code-size>"}


def normalize(
    value: Any, names: dict[str, str] | None = None, regions: tuple[str, ...] = ()
) -> Any:
    """``value`` with the volatile parts listed in this module's docstring replaced."""
    ordered = sorted((names or {}).items(), key=lambda item: len(item[0]), reverse=True)

    def walk(item: Any, key: str | None = None) -> Any:
        if key in _BY_KEY:
            return _BY_KEY[key]
        if isinstance(item, dict):
            return {k: walk(v, k) for k, v in item.items() if k != "ResponseMetadata"}
        if isinstance(item, list):
            return [walk(v) for v in item]
        if isinstance(item, _dt.datetime):
            return "<timestamp>"
        if isinstance(item, str):
            text = item
            for name, placeholder in ordered:
                text = text.replace(name, placeholder)
            text = _UUID.sub("<uuid>", text)
            text = _TIMESTAMP.sub("<timestamp>", text)
            text = _ACCOUNT.sub("111111111111", text)
            for region in regions:
                text = text.replace(region, "<region>")
            return text
        return item

    return walk(value)


def differences(expected: Any, actual: Any, path: str = "$") -> list[str]:
    """Every place where ``actual`` differs from ``expected``, one readable line each."""
    if isinstance(expected, dict) and isinstance(actual, dict):
        found: list[str] = []
        for key in sorted(set(expected) | set(actual)):
            if key not in actual:
                found.append(f"{path}.{key}: missing (AWS: {expected[key]!r})")
            elif key not in expected:
                found.append(f"{path}.{key}: not in AWS's answer (emulator: {actual[key]!r})")
            else:
                found += differences(expected[key], actual[key], f"{path}.{key}")
        return found
    if isinstance(expected, list) and isinstance(actual, list) and len(expected) == len(actual):
        return [
            d
            for i, (e, a) in enumerate(zip(expected, actual))
            for d in differences(e, a, f"{path}[{i}]")
        ]
    return [] if expected == actual else [f"{path}: AWS {expected!r}, emulator {actual!r}"]


def assert_matches(expected: Any, actual: Any) -> None:
    """Fail with every difference listed, not just the first."""
    found = differences(expected, actual)
    assert not found, "differs from AWS's recorded answer:\n  " + "\n  ".join(found)
