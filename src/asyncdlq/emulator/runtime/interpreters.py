"""Pick the Python interpreter that matches a function's declared runtime."""

from __future__ import annotations

import functools
import glob
import logging
import os
import re
import shutil
import sys

log = logging.getLogger(__name__)


@functools.cache
def interpreter_for(runtime: str | None) -> str:
    """The path of ``pythonX.Y`` for runtime ``pythonX.Y`` if this machine has it, else ours."""
    match = re.fullmatch(r"python(\d)\.(\d+)", runtime or "")
    if not match:
        log.warning(
            "runtime %r is not a Python runtime; running it with %s", runtime, sys.executable
        )
        return sys.executable
    version = f"{match.group(1)}.{match.group(2)}"
    if f"{sys.version_info.major}.{sys.version_info.minor}" == version:
        return sys.executable
    candidates = [shutil.which(f"python{version}")]
    # pyenv keeps every installed version here even when its shims would refuse to run it.
    pyenv_root = os.environ.get("PYENV_ROOT", os.path.expanduser("~/.pyenv"))
    candidates += sorted(glob.glob(f"{pyenv_root}/versions/{version}*/bin/python{version}"))
    for path in candidates:
        if path and os.access(path, os.X_OK) and "/shims/" not in path:
            return path
    log.warning(
        "no python%s on this machine; running %s functions with %s (Python %d.%d)",
        version,
        runtime,
        sys.executable,
        sys.version_info.major,
        sys.version_info.minor,
    )
    return sys.executable
