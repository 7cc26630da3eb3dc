"""Build the Lambda deployment zip deterministically.

Only the hashicorp/aws provider is available offline (no archive provider), so the zip is built
here. Fixed timestamps, permissions and file order make the bytes, and so
``filebase64sha256`` in Terraform, change only when the code changes.
"""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

# 1980-01-01 is the earliest time a zip entry can hold.
_FIXED_TIME = (1980, 1, 1, 0, 0, 0)
_SKIP_DIRS = {"__pycache__", ".pytest_cache", ".mypy_cache", ".git"}
_SKIP_SUFFIXES = (".pyc", ".pyo")


class PackagingError(ValueError):
    """The source cannot be packaged; the message says what to fix."""


def _source_files(source_dir: Path) -> list[Path]:
    files = []
    for root, dirs, names in os.walk(source_dir):
        dirs[:] = sorted(d for d in dirs if d not in _SKIP_DIRS)
        files.extend(Path(root) / n for n in names if not n.endswith(_SKIP_SUFFIXES))
    return sorted(files, key=lambda p: p.relative_to(source_dir).as_posix())


def build_zip(source_dir: str | os.PathLike[str], output: str | os.PathLike[str]) -> Path:
    """Zip ``source_dir`` into ``output``, rewriting it only if the bytes differ."""
    src, out = Path(source_dir), Path(output)
    if not src.is_dir():
        raise PackagingError(f"{src} is not a directory; point source_dir at the handler's folder")
    if out.resolve().is_relative_to(src.resolve()):
        # The next build would zip the previous zip into itself.
        raise PackagingError(f"{out} is inside {src}; write the zip outside the source folder")
    if out.is_dir():
        raise PackagingError(
            f"{out} is a directory; pass the zip's file path, e.g. {out}/lambda.zip"
        )
    files = _source_files(src)
    if not files:
        raise PackagingError(f"{src} has no files to package; add the handler module there")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for path in files:
            info = zipfile.ZipInfo(path.relative_to(src).as_posix(), date_time=_FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16  # same mode everywhere, whatever the checkout's umask
            info.create_system = 3  # unix, so the mode above is honoured
            zf.writestr(info, path.read_bytes())
    if out.exists() and out.read_bytes() == tmp.read_bytes():
        tmp.unlink()  # keep the old file's mtime: nothing changed
    else:
        tmp.replace(out)
    return out
