"""Building FunctionSpecs and waiting on processes, for tests that drive the WorkerPool directly."""

from __future__ import annotations

import os
import sys
import time
import uuid
from pathlib import Path

from asyncdlq.emulator.runtime.spec import FunctionSpec

from .conftest import zip_source

NATIVE_RUNTIME = f"python{sys.version_info.major}.{sys.version_info.minor}"


def spec_for(
    source: str,
    *,
    name: str | None = None,
    memory_mb: int = 128,
    timeout_s: float = 5,
    env: dict[str, str] | None = None,
    runtime: str = NATIVE_RUNTIME,
    code_zip: bytes | None = None,
    version: str = "$LATEST",
) -> FunctionSpec:
    name = name or f"fn-{uuid.uuid4().hex[:8]}"
    code = zip_source(source) if code_zip is None else code_zip
    return FunctionSpec(
        account_id="123456789012",
        region="us-east-1",
        function_name=name,
        function_arn=f"arn:aws:lambda:us-east-1:123456789012:function:{name}",
        version=version,
        handler="handler.lambda_handler",
        runtime=runtime,
        memory_mb=memory_mb,
        timeout_s=timeout_s,
        environment=tuple(sorted((env or {}).items())),
        code_sha256=uuid.uuid4().hex,
        code_zip=code,
    )


def alive(pid: int) -> bool:
    """True while ``pid`` runs (a zombie or a recycled pid's absence counts as gone)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(") ", 1)[1][0] not in "ZX"
    except (OSError, IndexError):
        return False


def wait_gone(pids: list[int], timeout_s: float = 5) -> list[int]:
    """The pids still alive after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        left = [p for p in pids if alive(p)]
        if not left:
            return []
        time.sleep(0.02)
    return [p for p in pids if alive(p)]


def read_pids(path: str, count: int, timeout_s: float = 10) -> list[int]:
    """Wait until ``path`` holds ``count`` pids, one a line (written by a handler's children)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if os.path.exists(path):
            lines = Path(path).read_text().split()
            if len(lines) >= count:
                return [int(x) for x in lines[:count]]
        time.sleep(0.02)
    raise AssertionError(f"{path} did not get {count} pids in {timeout_s}s")
