"""examples/ci's deployer policy is sufficient and minimal (bench/ci_policy_proof.py).

Slow (the CI path once, then once per statement: ~25 min on 2 cores, 4 at a time): runs only when
ASYNCDLQ_CI_POLICY_PROOF=1, never in the default `make test`.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.skipif(
    os.environ.get("ASYNCDLQ_CI_POLICY_PROOF") != "1",
    reason="slow: set ASYNCDLQ_CI_POLICY_PROOF=1 to prove examples/ci's policy",
)


def test_policy_is_sufficient_and_each_statement_necessary() -> None:
    jobs = os.environ.get("ASYNCDLQ_CI_POLICY_JOBS", "4")
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "ci_policy_proof.py"), "--jobs", jobs],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=4 * 3600,
    )
    out = done.stdout
    assert "full policy: PASS" in out, out + done.stderr
    assert "NOT SHOWN NEEDED" not in out, out
    assert done.returncode == 0, out + done.stderr
