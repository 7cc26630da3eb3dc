"""The deployment zip is byte-for-byte reproducible, so source_code_hash changes only with code."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import pytest

from asyncdlq.packaging import PackagingError, build_zip


def _tree(root: Path) -> Path:
    (root / "pkg").mkdir(parents=True)
    (root / "handler.py").write_text("def lambda_handler(e, c):\n    return 1\n")
    (root / "pkg" / "util.py").write_text("X = 1\n")
    (root / "__pycache__").mkdir()
    (root / "__pycache__" / "handler.cpython-311.pyc").write_bytes(b"junk")
    return root


def test_same_code_gives_the_same_bytes_whatever_the_mtimes_and_modes(tmp_path: Path) -> None:
    first = build_zip(_tree(tmp_path / "a"), tmp_path / "a.zip").read_bytes()
    other = _tree(tmp_path / "b")
    os.utime(other / "handler.py", (1_000_000_000, 1_000_000_000))
    (other / "handler.py").chmod(0o600)
    assert build_zip(other, tmp_path / "b.zip").read_bytes() == first


def test_changed_code_changes_the_bytes_and_caches_are_left_out(tmp_path: Path) -> None:
    src = _tree(tmp_path / "src")
    before = build_zip(src, tmp_path / "out.zip").read_bytes()
    with zipfile.ZipFile(tmp_path / "out.zip") as zf:
        assert zf.namelist() == ["handler.py", "pkg/util.py"]
    (src / "handler.py").write_text("def lambda_handler(e, c):\n    return 2\n")
    assert build_zip(src, tmp_path / "out.zip").read_bytes() != before


def test_unchanged_output_is_not_rewritten(tmp_path: Path) -> None:
    src = _tree(tmp_path / "src")
    out = build_zip(src, tmp_path / "out.zip")
    os.utime(out, (1_000_000_000, 1_000_000_000))
    build_zip(src, out)
    assert out.stat().st_mtime == 1_000_000_000


def test_missing_or_empty_source_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(PackagingError, match="is not a directory"):
        build_zip(tmp_path / "nope", tmp_path / "out.zip")
    (tmp_path / "empty").mkdir()
    with pytest.raises(PackagingError, match="no files to package"):
        build_zip(tmp_path / "empty", tmp_path / "out.zip")


def test_an_output_inside_the_source_or_a_directory_is_refused(tmp_path: Path) -> None:
    src = _tree(tmp_path / "src")
    with pytest.raises(PackagingError, match="write the zip outside the source folder"):
        build_zip(src, src / "pkg" / "lambda.zip")
    assert not (src / "pkg" / "lambda.zip").exists()
    (tmp_path / "out").mkdir()
    with pytest.raises(PackagingError, match="is a directory; pass the zip's file path"):
        build_zip(src, tmp_path / "out")
